import { describe, expect, test } from '@jest/globals'
import { CookieSealer } from '@lambda-session/cookie-store'
import { generateSessionId, SignedCookieCodec } from '@lambda-session/core'
import { EventShapes } from '@lambda-session/testing'
import { bodyOf, cookieSessions, invoke, OTHER_SECRET, SECRET, sessionCookieOf, sidFrom, whoami } from './harness.js'
import { flipByte, liveSession } from './seals.js'

const valid = () => new CookieSealer([SECRET]).seal('sid', liveSession())

const hostile: Array<[string, () => string[] | Record<string, string>]> = [
  ['garbage', () => ({ sid: '%%%\u0000garbage;;==' })],
  ['an empty value', () => ({ sid: '' })],
  ['a flipped bit in the ciphertext', () => ({ sid: flipByte(valid(), 20) })],
  ['a flipped bit in the tag', () => ({ sid: flipByte(valid(), -1) })],
  ['a truncated seal', () => ({ sid: valid().slice(0, -6) })],
  [
    'a seal made with a secret not in the ring',
    () => ({ sid: new CookieSealer([OTHER_SECRET]).seal('sid', liveSession()) }),
  ],
  ['a seal made for another cookie name', () => ({ sid: new CookieSealer([SECRET]).seal('other', liveSession()) })],
  [
    'a signed session id (the DynamoDB store’s cookie)',
    () => ({ sid: new SignedCookieCodec([SECRET]).sign('sid', generateSessionId()) }),
  ],
  ['an oversized value', () => ({ sid: 'A'.repeat(5000) })],
  ['many sid cookies', () => Array.from({ length: 50 }, () => `sid=${flipByte(valid(), 30)}`)],
]

describe.each(hostile)('a cookie with %s', (_label, cookies) => {
  test.each(EventShapes)('is "no session" in %s, never a 500, and sets no cookie', async (shape) => {
    const response = await invoke(cookieSessions(), whoami, { shape, cookies: cookies() })
    expect(response.statusCode).toBe(200)
    expect(bodyOf(response)).toEqual({ isNew: true, data: {}, userId: null })
    expect(sessionCookieOf(response)).toBeUndefined()
  })

  test('is a 401 where the route requires a session', async () => {
    const response = await invoke(cookieSessions({ required: true }), whoami, { cookies: cookies() })
    expect(response.statusCode).toBe(401)
    expect(response.body).toMatch(/sign in again/)
  })
})

describe('a valid seal next to hostile ones', () => {
  test('is found whichever comes first', async () => {
    const options = cookieSessions()
    const sid = sidFrom(await invoke(options, (session) => session.set('owner', 'alice'))).sid as string
    for (const cookies of [
      [`sid=${flipByte(sid, 20)}`, `sid=${sid}`],
      [`sid=${sid}`, `sid=${new CookieSealer([OTHER_SECRET]).seal('sid', liveSession())}`],
    ]) {
      expect(bodyOf(await invoke(options, whoami, { cookies }))).toMatchObject({
        isNew: false,
        data: { owner: 'alice' },
      })
    }
  })
})
