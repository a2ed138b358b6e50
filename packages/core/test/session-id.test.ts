import { expect, test } from '@jest/globals'
import { generateSessionId, hashSessionId, isSessionId, SESSION_ID_BYTES } from '@lambda-session/core'

test('an id is 256 bits as 43 base64url characters', () => {
  expect(SESSION_ID_BYTES).toBe(32)
  const id = generateSessionId()
  expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(Buffer.from(id, 'base64url')).toHaveLength(32)
  expect(isSessionId(id)).toBe(true)
})

test('10 000 ids are all different and all well-formed', () => {
  const ids = new Set<string>()
  for (let i = 0; i < 10_000; i++) ids.add(generateSessionId())
  expect(ids.size).toBe(10_000)
  expect([...ids].every(isSessionId)).toBe(true)
})

test.each(['', 'x'.repeat(42), 'x'.repeat(44), `${'x'.repeat(42)}=`, `${'x'.repeat(42)}+`, `${'x'.repeat(42)}.`])(
  'isSessionId rejects %j',
  (value) => {
    expect(isSessionId(value)).toBe(false)
  },
)

test('the hash is deterministic SHA-256, never the id itself', () => {
  const id = generateSessionId()
  const hash = hashSessionId(id)
  expect(hashSessionId(id)).toBe(hash)
  expect(hash).not.toBe(id)
  expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(hashSessionId(generateSessionId())).not.toBe(hash)
  // A known vector pins the algorithm: SHA-256("abc"), base64url.
  expect(hashSessionId('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
})
