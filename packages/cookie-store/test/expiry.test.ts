import { describe, expect, test } from '@jest/globals'
import { CookieSealer } from '@lambda-session/cookie-store'
import { ManualClock } from '@lambda-session/testing'
import { bodyOf, cookieSessions, invoke, SECRET, sessionCookieOf, sidFrom, whoami } from './harness.js'
import { liveSession } from './seals.js'

const sealer = new CookieSealer([SECRET])
const TIMEOUTS = { idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 3600, touchIntervalSeconds: 60 } as const

describe('expiry lives inside the seal and is enforced at read time', () => {
  test('a seal that still decrypts but is past its idle timeout or absolute lifetime is no session (401 if required)', async () => {
    const now = Date.UTC(2026, 0, 1)
    const idle = liveSession(now - 601_000)
    const old = liveSession(now - 3_601_000)
    old.record.lastSeenAt = now - 1000
    for (const session of [idle, old]) {
      const sid = sealer.seal('sid', session)
      expect(sealer.unseal('sid', sid)).toBeDefined()
      expect(
        bodyOf(await invoke(cookieSessions({ ...TIMEOUTS, clock: () => now }), whoami, { cookies: { sid } })),
      ).toEqual({
        isNew: true,
        data: {},
        userId: null,
      })
      const required = await invoke(cookieSessions({ ...TIMEOUTS, clock: () => now, required: true }), whoami, {
        cookies: { sid },
      })
      expect(required.statusCode).toBe(401)
    }
  })

  test('the sliding expiry re-seals at most once per touch interval, with lastSeenAt moved to now', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    const options = cookieSessions({ ...TIMEOUTS, clock: clock.now })
    const sid = sidFrom(await invoke(options, (session) => session.set('a', 1)))
    clock.advance(30_000)
    expect(sessionCookieOf(await invoke(options, whoami, { cookies: sid }))).toBeUndefined()
    clock.advance(31_000)
    const touched = await invoke(options, whoami, { cookies: sid })
    const resealed = sidFrom(touched)
    expect(resealed.sid).not.toBe(sid.sid)
    const opened = sealer.unseal('sid', resealed.sid as string)
    expect(opened?.record).toMatchObject({ lastSeenAt: clock.now(), createdAt: clock.now() - 61_000, data: { a: 1 } })
    expect(opened?.record.expiresAt).toBe(clock.now() + 600_000)
    clock.advance(30_000)
    expect(sessionCookieOf(await invoke(options, whoami, { cookies: resealed }))).toBeUndefined()
  })

  test('a shorter timeout applies at once to cookies already issued (the loader decides, not the seal)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    const sid = sidFrom(
      await invoke(cookieSessions({ ...TIMEOUTS, clock: clock.now }), (session) => session.set('a', 1)),
    )
    clock.advance(120_000)
    const stricter = cookieSessions({ ...TIMEOUTS, idleTimeoutSeconds: 60, clock: clock.now })
    expect(bodyOf(await invoke(stricter, whoami, { cookies: sid }))).toMatchObject({ isNew: true })
  })

  test('with cookie.maxAge set, every re-seal also renews the browser-side expiry', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    const options = cookieSessions({ ...TIMEOUTS, clock: clock.now, cookie: { maxAge: 600 } })
    const first = await invoke(options, (session) => session.set('a', 1))
    expect(sessionCookieOf(first)?.maxAge).toBe(600)
    clock.advance(61_000)
    expect(sessionCookieOf(await invoke(options, whoami, { cookies: sidFrom(first) }))?.maxAge).toBe(600)
  })
})
