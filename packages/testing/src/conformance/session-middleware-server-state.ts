import { SessionConflictError } from '@lambda-session/core'
import { sleep } from './conformance-store.js'
import { jestApi } from './jest-api.js'
import { CookieJar, exchange, gate } from './session-middleware-harness.js'
import { describeSession, type SessionMiddlewareSuite } from './session-middleware-suite.js'

/**
 * What only a store with server state can promise: revoking a copied cookie,
 * merging concurrent requests, refusing late writes, revoking a user. A
 * sealed (stateless) store can't, by design; see `describeSessionMiddlewareConformance`.
 */
export function registerServerStateTests(suite: SessionMiddlewareSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs, concurrency } = suite

  async function browserWith(data: Record<string, unknown>, options = suite.options()): Promise<CookieJar> {
    const jar = new CookieJar()
    await exchange(options, jar, (session) => {
      for (const [key, value] of Object.entries(data)) session.set(key, value)
    })
    return jar
  }

  describe('server-side revocation', () => {
    test(
      'a copy of the cookie is dead once the session is destroyed',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ cart: ['x'] }, options)
        const stolen = jar.copy()
        await exchange(options, jar, (session) => session.destroy())
        expect((await exchange(options, stolen, describeSession)).body).toEqual({ isNew: true, data: {}, userId: null })
      },
      timeoutMs,
    )

    test(
      'a copy of the pre-login cookie is dead after regenerate() (session fixation)',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ cart: ['x'] }, options)
        const planted = jar.copy()
        await exchange(options, jar, (session) => {
          session.regenerate()
          session.userId = 'victim'
        })
        expect((await exchange(options, planted, describeSession)).body).toEqual({
          isNew: true,
          data: {},
          userId: null,
        })
        expect((await exchange(options, jar, describeSession)).body).toMatchObject({ isNew: false, userId: 'victim' })
      },
      timeoutMs,
    )

    test(
      "the store's destroyUserSessions ends every session of that user, and only those",
      async () => {
        const options = suite.options()
        const user = `user-${Math.random().toString(36).slice(2)}`
        const login = async (userId: string) => {
          const jar = new CookieJar()
          await exchange(options, jar, (session) => {
            session.userId = userId
          })
          return jar
        }
        const [laptop, phone, other] = await Promise.all([login(user), login(user), login(`${user}-other`)])
        let deleted = 0
        for (let attempt = 0; attempt < 50 && deleted < 2; attempt++) {
          deleted += await suite.store().destroyUserSessions(user)
          if (deleted < 2) await sleep(100) // an eventually consistent user index
        }
        expect(deleted).toBe(2)
        for (const jar of [laptop, phone])
          expect((await exchange(options, jar, describeSession)).body).toMatchObject({ isNew: true })
        expect((await exchange(options, other, describeSession)).body).toMatchObject({ isNew: false })
      },
      timeoutMs,
    )
  })

  describe('parallel requests on one session lose no update', () => {
    test(
      `${concurrency} parallel increments and appends through the middlewares all apply`,
      async () => {
        const options = suite.options()
        const jar = await browserWith({ seed: true }, options)
        const responses = await Promise.all(
          Array.from({ length: concurrency }, (_, index) =>
            exchange(options, jar.copy(), (session) => {
              session.increment('counter')
              session.append('items', index)
            }),
          ),
        )
        expect(responses.map((response) => response.error)).toEqual(responses.map(() => undefined))
        const data = (await exchange(options, jar, (session) => session.toJSON())).body as Record<string, unknown>
        expect(data.counter).toBe(concurrency)
        expect((data.items as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: concurrency }, (_, i) => i))
      },
      timeoutMs,
    )

    test(
      'parallel requests setting different keys all land',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ seed: true }, options)
        await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            exchange(options, jar.copy(), (session) => session.set(`k${index}`, index)),
          ),
        )
        const data = (await exchange(options, jar, (session) => session.toJSON())).body as Record<string, unknown>
        for (let index = 0; index < 20; index++) expect(data[`k${index}`]).toBe(index)
      },
      timeoutMs,
    )

    test(
      'a stale same-key write is a 409 SessionConflictError naming the key; the newer value stays',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ plan: 'free' }, options)
        const loaded = gate()
        const proceed = gate()
        const slow = exchange(options, jar.copy(), async (session) => {
          loaded.open()
          await proceed.opened
          session.set('plan', 'slow')
        })
        await loaded.opened
        expect((await exchange(options, jar.copy(), (session) => session.set('plan', 'fast'))).error).toBeUndefined()
        proceed.open()
        const late = await slow
        expect(late.error).toBeInstanceOf(SessionConflictError)
        expect((late.error as SessionConflictError).keys).toEqual(['plan'])
        expect((await exchange(options, jar, (session) => session.get('plan'))).body).toBe('fast')
      },
      timeoutMs,
    )

    test(
      'a request that finishes after destroy() does not bring the session back',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ cart: ['a'] }, options)
        const original = jar.value('sid') as string
        const loaded = gate()
        const proceed = gate()
        const lateJar = jar.copy()
        const late = exchange(options, lateJar, async (session) => {
          loaded.open()
          await proceed.opened
          session.append('cart', 'b')
          session.increment('n')
          session.set('fresh', 1)
        })
        await loaded.opened
        await exchange(options, jar, (session) => session.destroy())
        proceed.open()
        const lateResponse = await late
        expect(lateResponse.error).toBeUndefined()
        // The late request tells its browser the session is over, too.
        expect(lateJar.value('sid')).toBeUndefined()
        const revived = await exchange(options, new CookieJar().put('sid', original), describeSession)
        expect(revived.body).toEqual({ isNew: true, data: {}, userId: null })
      },
      timeoutMs,
    )
  })
}
