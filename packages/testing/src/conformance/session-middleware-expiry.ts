import { SessionRequiredError } from '@lambda-session/core'
import { ManualClock } from '../manual-clock.js'
import { jestApi } from './jest-api.js'
import { CookieJar, exchange } from './session-middleware-harness.js'
import { describeSession, type SessionMiddlewareSuite } from './session-middleware-suite.js'

/** Ten minutes idle, an hour at most, a touch at most once a minute. */
const TIMEOUTS = { idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 3600, touchIntervalSeconds: 60 } as const

/** Expiry is enforced when the session is read, whatever the store still holds. */
export function registerSessionExpiryTests(suite: SessionMiddlewareSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs } = suite

  /** Options on a clock the test moves; the clock starts now, so records are live for a store's TTL. */
  function timed() {
    const clock = new ManualClock()
    return { clock, options: suite.options({ ...TIMEOUTS, clock: clock.now }) }
  }

  describe('expiry is enforced at read time', () => {
    test(
      'the idle timeout ends a session; activity within it keeps the session alive',
      async () => {
        const { clock, options } = timed()
        const jar = new CookieJar()
        await exchange(options, jar, (session) => session.set('owner', 'carol'))
        for (let i = 0; i < 3; i++) {
          clock.advance(599_000)
          expect((await exchange(options, jar, (session) => session.get('owner'))).body).toBe('carol')
        }
        clock.advance(601_000)
        expect((await exchange(options, jar, describeSession)).body).toEqual({ isNew: true, data: {}, userId: null })
        const required = await exchange(suite.options({ ...TIMEOUTS, clock: clock.now, required: true }), jar, () => 1)
        expect(required.error).toBeInstanceOf(SessionRequiredError)
      },
      timeoutMs,
    )

    test(
      'the absolute lifetime ends a session however active it is',
      async () => {
        const { clock, options } = timed()
        const jar = new CookieJar()
        await exchange(options, jar, (session) => session.set('owner', 'dave'))
        for (let i = 0; i < 6; i++) {
          clock.advance(590_000) // always inside the idle timeout
          expect((await exchange(options, jar, (session) => session.get('owner'))).body).toBe('dave')
        }
        clock.advance(590_000) // 4130 s since creation: past the hour
        expect((await exchange(options, jar, describeSession)).body).toMatchObject({ isNew: true, data: {} })
      },
      timeoutMs,
    )

    /** Keeps a session active for 3540 s: five reads 590 s apart, then 590 s more. */
    async function keepActive(clock: ManualClock, options: ReturnType<typeof timed>['options'], jar: CookieJar) {
      for (let i = 0; i < 5; i++) {
        clock.advance(590_000)
        expect((await exchange(options, jar, describeSession)).body).toMatchObject({ isNew: false })
      }
      clock.advance(590_000)
    }

    test(
      'regenerate() keeps the age, so logging in again does not extend the absolute lifetime',
      async () => {
        const { clock, options } = timed()
        const jar = new CookieJar()
        await exchange(options, jar, (session) => session.set('a', 1))
        await keepActive(clock, options, jar)
        const login = await exchange(options, jar, (session) => session.regenerate().get('a'))
        expect(login.body).toBe(1)
        clock.advance(61_000) // 3601 s since creation, 61 s since the regeneration
        expect((await exchange(options, jar, describeSession)).body).toEqual({ isNew: true, data: {}, userId: null })
      },
      timeoutMs,
    )

    test(
      'destroy() then regenerate() starts the lifetime again',
      async () => {
        const { clock, options } = timed()
        const jar = new CookieJar()
        await exchange(options, jar, (session) => session.set('a', 1))
        await keepActive(clock, options, jar)
        await exchange(options, jar, (session) => {
          session.destroy()
          session.regenerate()
          session.set('b', 2)
        })
        expect((await exchange(options, jar, (session) => session.createdAt)).body).toBe(clock.now())
        clock.advance(590_000) // 4130 s since the first session began
        expect((await exchange(options, jar, describeSession)).body).toEqual({
          isNew: false,
          data: { b: 2 },
          userId: null,
        })
      },
      timeoutMs,
    )
  })
}
