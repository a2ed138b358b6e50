import { describe, expect, test } from '@jest/globals'
import { CookieSessionStore } from '@lambda-session/cookie-store'
import { ConfigurationError, isSealedSessionStore, type SessionRecord } from '@lambda-session/core'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'

const store = new CookieSessionStore()
const record: SessionRecord = { idHash: 'h', data: {}, versions: {}, createdAt: 0, lastSeenAt: 0, expiresAt: 0 }

describe('CookieSessionStore as a SessionStore', () => {
  test('is a SealedSessionStore, which the middlewares recognise', () => {
    expect(store.sealed).toBe(true)
    expect(isSealedSessionStore(store)).toBe(true)
  })

  test.each([
    ['load', () => store.load('h')],
    ['create', () => store.create(record)],
    ['update', () => store.update('h', { changes: [] })],
    ['replace', () => store.replace('h', record)],
    ['destroy', () => store.destroy('h')],
    ['destroyUserSessions', () => store.destroyUserSessions('user-1')],
  ])('%s refuses clearly: there is no server state to act on', async (_method, call) => {
    const error = await call().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/lives sealed in its own cookie/)
  })

  test("revoking a user's sessions says why it can't, rather than resolving 0", async () => {
    await expect(store.destroyUserSessions('user-1')).rejects.toThrow(/revoke a user's sessions/)
  })

  test('unusable secrets are refused when the middlewares are made, not at the first request', () => {
    expect(() => sessionLoader({ store: new CookieSessionStore(), secrets: ['short'] })).toThrow(ConfigurationError)
    expect(() => sessionSaver({ store: new CookieSessionStore(), secrets: [] })).toThrow(ConfigurationError)
  })
})
