import { existsSync, readFileSync } from 'node:fs'
import { expect, test } from '@jest/globals'
import { EventShapes, loadEventFixture } from '@lambda-session/testing'

const packageRoot = new URL('../', import.meta.url)

test('the published package ships the fixtures and their license', () => {
  const manifest = JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')) as { files: string[] }
  expect(manifest.files).toContain('fixtures')
  expect(existsSync(new URL('fixtures/aws-events/LICENSE-MIT-0', packageRoot))).toBe(true)
})

test.each(EventShapes)('%s loads its capture untouched, as a fresh copy', (shape) => {
  const a = loadEventFixture(shape)
  const b = loadEventFixture(shape)
  expect(a).toEqual(b)
  expect(a).not.toBe(b)
  a.mutated = true
  expect(loadEventFixture(shape).mutated).toBeUndefined()
})

test('the Function URL capture still carries its valueless cookies', () => {
  expect(loadEventFixture('function-url').cookies).toEqual(['cookie1', 'cookie2'])
})

test('an unknown shape names the valid ones', () => {
  expect(() => loadEventFixture('nope' as never)).toThrow(/use one of: rest-api-v1/)
})
