import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { hashSessionId, type SessionOptions } from '@lambda-session/core'
import {
  createTestbed,
  invoke,
  SECRET,
  type SessionTestbed,
  sessionCookieOf,
  sessionHandler,
  sidFrom,
} from './harness.js'

let bed: SessionTestbed
let options: SessionOptions

beforeAll(async () => {
  bed = await createTestbed()
  options = { store: bed.store, secrets: [SECRET] }
})
afterAll(() => bed.close())
beforeEach(() => bed.calls.reset())

describe('round trips, counted on the SDK client', () => {
  test('a request without a cookie that stores nothing reads nothing, writes nothing, sets no cookie', async () => {
    const response = await invoke(sessionHandler(options, (s) => s.get('cart') ?? []))
    expect(response.statusCode).toBe(200)
    expect(bed.calls.total()).toBe(0)
    expect(sessionCookieOf(response)).toBeUndefined()
  })

  test('a new session is written once, only when it holds data, and gets a signed cookie', async () => {
    const response = await invoke(sessionHandler(options, (s) => s.set('theme', 'dark')))
    expect(bed.calls.counts).toEqual({ PutItemCommand: 1 })
    const cookie = sessionCookieOf(response)
    expect(cookie).toMatchObject({ name: 'sid', httpOnly: true, secure: true, sameSite: 'lax', path: '/' })
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
  })

  test('a valid cookie costs exactly one GetItem; nothing changed means no write and no Set-Cookie', async () => {
    const sid = sidFrom(await invoke(sessionHandler(options, (s) => s.set('theme', 'dark'))))
    bed.calls.reset()
    const read = sessionHandler(options, (s) => s.get('theme'))
    for (let i = 0; i < 3; i++) {
      const response = await invoke(read, { cookies: sid })
      expect(JSON.parse(response.body as string)).toBe('dark')
      expect(sessionCookieOf(response)).toBeUndefined()
    }
    expect(bed.calls.counts).toEqual({ GetItemCommand: 3 })
  })

  test('a change costs one GetItem and one UpdateItem, touching only the changed key', async () => {
    const sid = sidFrom(await invoke(sessionHandler(options, (s) => s.set('a', 1).set('b', 2))))
    bed.calls.reset()
    await invoke(
      sessionHandler(options, (s) => s.set('b', 3)),
      { cookies: sid },
    )
    expect(bed.calls.counts).toEqual({ GetItemCommand: 1, UpdateItemCommand: 1 })
    const check = await invoke(
      sessionHandler(options, (s) => s.toJSON()),
      { cookies: sid },
    )
    expect(JSON.parse(check.body as string)).toEqual({ a: 1, b: 3 })
  })

  test('the table key is the hash of the id, never the id', async () => {
    const response = await invoke(sessionHandler(options, (s) => s.set('k', 'v')))
    const id = sidFrom(response).sid?.split('.')[0] as string
    const byId = await bed.client.send(new GetItemCommand({ TableName: bed.tableName, Key: { pk: { S: id } } }))
    const byHash = await bed.client.send(
      new GetItemCommand({ TableName: bed.tableName, Key: { pk: { S: hashSessionId(id) } } }),
    )
    expect(byId.Item).toBeUndefined()
    expect(byHash.Item?.data?.M?.k?.S).toBe('v')
  })

  test('sliding expiry writes a touch at most once per interval', async () => {
    let now = Date.UTC(2026, 0, 1)
    const timed: SessionOptions = { ...options, clock: () => now, touchIntervalSeconds: 60 }
    const sid = sidFrom(await invoke(sessionHandler(timed, (s) => s.set('x', 1))))
    const read = sessionHandler(timed, (s) => s.get('x'))
    bed.calls.reset()
    now += 30_000
    await invoke(read, { cookies: sid })
    expect(bed.calls.writes()).toBe(0)
    now += 31_000
    await invoke(read, { cookies: sid })
    expect(bed.calls.counts).toEqual({ GetItemCommand: 2, UpdateItemCommand: 1 })
    now += 30_000 // 30 s after the touch: not due again
    await invoke(read, { cookies: sid })
    expect(bed.calls.writes()).toBe(1)
  })
})
