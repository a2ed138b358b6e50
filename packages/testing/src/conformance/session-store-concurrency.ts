import { SessionConflictError, SessionGoneError, type SessionRecord } from '@lambda-session/core'
import { sleep } from './conformance-store.js'
import { jestApi } from './jest-api.js'
import { createdRecord, type SessionStoreSuite, sessionRecord } from './session-store-suite.js'

/** Parallel writers on one session, and revoking all of a user's sessions. */
export function registerSessionConcurrencyTests(suite: SessionStoreSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs, concurrency } = suite
  const store = () => suite.store()
  const each = <T>(make: (index: number) => Promise<T>) =>
    Array.from({ length: concurrency }, (_, index) => make(index))

  describe('parallel requests on one session lose no update', () => {
    test(
      `${concurrency} concurrent increments all apply`,
      async () => {
        const record = await createdRecord(suite, { data: { views: 10 } })
        await Promise.all(
          each(() => store().update(record.idHash, { changes: [{ kind: 'increment', key: 'views', by: 1 }] })),
        )
        expect((await store().load(record.idHash))?.data.views).toBe(10 + concurrency)
      },
      timeoutMs,
    )

    test(
      `${concurrency} concurrent appends each land exactly once`,
      async () => {
        const record = await createdRecord(suite, { data: { cart: ['first'] } })
        await Promise.all(
          each((index) =>
            store().update(record.idHash, { changes: [{ kind: 'append', key: 'cart', values: [index] }] }),
          ),
        )
        const cart = (await store().load(record.idHash))?.data.cart as unknown[]
        expect(cart[0]).toBe('first')
        expect(
          cart
            .slice(1)
            .map(Number)
            .sort((a, b) => a - b),
        ).toEqual(Array.from({ length: concurrency }, (_, index) => index))
      },
      timeoutMs,
    )

    test(
      `${concurrency} concurrent sets of different keys all merge`,
      async () => {
        const record = await createdRecord(suite, { data: { untouched: true } })
        await Promise.all(
          each((index) =>
            store().update(record.idHash, {
              changes: [{ kind: 'set', key: `k${index}`, value: index, expectedVersion: 0 }],
            }),
          ),
        )
        const expected: Record<string, unknown> = { untouched: true }
        for (let index = 0; index < concurrency; index++) expected[`k${index}`] = index
        expect((await store().load(record.idHash))?.data).toEqual(expected)
      },
      timeoutMs,
    )

    test(
      'concurrent sets of one key: exactly one wins, every other one conflicts (none is silently lost)',
      async () => {
        const record = await createdRecord(suite, { data: { plan: 'free' } })
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, index) =>
            store().update(record.idHash, {
              changes: [{ kind: 'set', key: 'plan', value: index, expectedVersion: 1 }],
            }),
          ),
        )
        const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []))
        expect(winners).toHaveLength(1)
        for (const result of results) {
          if (result.status === 'rejected') {
            expect(result.reason).toBeInstanceOf(SessionConflictError)
            expect((result.reason as SessionConflictError).keys).toEqual(['plan'])
          }
        }
        expect((await store().load(record.idHash))?.data.plan).toBe(winners[0])
      },
      timeoutMs,
    )

    test(
      'of two concurrent replaces of one session exactly one wins; the other gets SessionGoneError',
      async () => {
        const old = await createdRecord(suite, { data: { a: 1 } })
        const [first, second] = [sessionRecord(suite.now()), sessionRecord(suite.now())] as [
          SessionRecord,
          SessionRecord,
        ]
        const results = await Promise.allSettled([
          store().replace(old.idHash, first),
          store().replace(old.idHash, second),
        ])
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
        const losers = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
        expect(losers).toHaveLength(1)
        expect(losers[0]).toBeInstanceOf(SessionGoneError)
        const stored = [await store().load(first.idHash), await store().load(second.idHash)]
        expect(stored.filter(Boolean)).toHaveLength(1)
        expect(await store().load(old.idHash)).toBeUndefined()
      },
      timeoutMs,
    )
  })

  describe('destroyUserSessions', () => {
    test(
      "deletes exactly one user's sessions, however they got their owner, and counts them",
      async () => {
        const user = `user-${sessionRecord(0).idHash.slice(0, 12)}`
        const mine = await Promise.all(Array.from({ length: 3 }, () => createdRecord(suite, { userId: user })))
        const joiner = await createdRecord(suite)
        await store().update(joiner.idHash, { changes: [], userId: user })
        const leaver = await createdRecord(suite, { userId: user })
        await store().update(leaver.idHash, { changes: [], userId: null })
        const { userId: _left, ...leaverNow } = leaver
        const others = [await createdRecord(suite, { userId: `${user}-other` }), await createdRecord(suite), leaverNow]
        const targets = [...mine, joiner]

        // An index may be eventually consistent: call again until every target is gone, adding up the counts.
        let deleted = 0
        const deadline = Date.now() + suite.userIndexTimeoutMs
        for (;;) {
          deleted += await store().destroyUserSessions(user)
          const left = await Promise.all(targets.map((record) => store().load(record.idHash)))
          if (left.every((record) => record === undefined) || Date.now() > deadline) break
          await sleep(100)
        }
        for (const record of targets) expect(await store().load(record.idHash)).toBeUndefined()
        expect(deleted).toBe(targets.length)
        for (const record of others) expect(await store().load(record.idHash)).toEqual(record)
        expect(await store().destroyUserSessions(user)).toBe(0)
      },
      timeoutMs,
    )

    test(
      'a user without sessions: nothing deleted, 0',
      async () => {
        expect(await store().destroyUserSessions(`nobody-${sessionRecord(0).idHash.slice(0, 12)}`)).toBe(0)
      },
      timeoutMs,
    )
  })
}
