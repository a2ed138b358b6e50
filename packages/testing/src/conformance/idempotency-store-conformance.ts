import {
  type AcquireResult,
  type IdempotencyRecord,
  IdempotencyStatus,
  type IdempotencyStore,
} from '@lambda-session/core'
import { inProgressIdempotencyRecord, newLockToken } from '../idempotency-records.js'
import {
  type ConformanceStoreFactory,
  DEFAULT_CONFORMANCE_TIMEOUT_MS,
  useConformanceStore,
} from './conformance-store.js'
import { jestApi } from './jest-api.js'

/**
 * Options of {@link describeIdempotencyStoreConformance}.
 *
 * @example
 * ```ts
 * const options: IdempotencyStoreConformanceOptions = { createStore: async () => ({ store: new MyStore() }) }
 * ```
 */
export interface IdempotencyStoreConformanceOptions {
  /** Makes the store under test, once, in the suite's `beforeAll`; `cleanup` runs in its `afterAll`. */
  createStore: ConformanceStoreFactory<IdempotencyStore>
  /**
   * Where each test's logical time starts. The store is only ever told the
   * time (`acquire(record, now)`); the records live a day from it, so a
   * store with native TTL keeps them for the test.
   * @default Date.now
   */
  clock?: () => number
  /** Parallel acquires of one key. @default 30 */
  concurrency?: number
  /** Timeout of each test, so the suite runs under Jest's 5 s default too. @default 30000 */
  testTimeoutMs?: number
}

const newToken = newLockToken
const inProgress = inProgressIdempotencyRecord

const lostTo = (existing: IdempotencyRecord): AcquireResult => ({ acquired: false, existing })

/**
 * Registers the tests every `IdempotencyStore` must pass: exactly one of
 * many concurrent acquires wins and the others get its record from the same
 * call; a completed record is replayed until it expires and is then
 * re-acquirable (without its old response); a lapsed in-progress lock is
 * re-acquirable; `complete` and `release` act only for the token that holds
 * the lock, and a late holder of a lapsed lock can neither complete nor
 * release the newer one.
 *
 * Call it at the top level of a Jest test file. Every test uses key hashes
 * of its own, so one store serves the whole suite.
 *
 * @param name - shown in the test names, e.g. `'RedisIdempotencyStore'`
 * @param options - how to make the store, and limits
 * @example
 * ```ts
 * import { describeIdempotencyStoreConformance } from '@lambda-session/testing'
 *
 * describeIdempotencyStoreConformance('MyIdempotencyStore', {
 *   createStore: () => ({ store: new MyIdempotencyStore({ url: process.env.DB_URL }) }),
 * })
 * ```
 */
export function describeIdempotencyStoreConformance(name: string, options: IdempotencyStoreConformanceOptions): void {
  const { describe, test, expect } = jestApi()
  const clock = options.clock ?? Date.now
  const concurrency = options.concurrency ?? 30
  const timeoutMs = options.testTimeoutMs ?? DEFAULT_CONFORMANCE_TIMEOUT_MS

  describe(`${name}: IdempotencyStore conformance`, () => {
    const store = useConformanceStore(options.createStore)

    /** What a rival request would be told about the key at `now`, via a probe acquire. */
    const probe = (keyHash: string, now: number) => store().acquire(inProgress(now, { keyHash }), now)

    describe('acquire', () => {
      test(
        'a free key is acquired; the next acquire gets that record back, exactly as written',
        async () => {
          const now = clock()
          const record = inProgress(now)
          expect(await store().acquire(record, now)).toEqual({ acquired: true })
          expect(await probe(record.keyHash, now + 1)).toEqual(lostTo(record))
        },
        timeoutMs,
      )

      test(
        `${concurrency} concurrent acquires of one key: exactly one wins, every other one gets its record`,
        async () => {
          const now = clock()
          const keyHash = inProgress(now).keyHash
          const attempts = Array.from({ length: concurrency }, () => inProgress(now, { keyHash }))
          const results = await Promise.all(attempts.map((attempt) => store().acquire(attempt, now)))
          const winners = attempts.filter((_attempt, index) => results[index]?.acquired)
          expect(winners).toHaveLength(1)
          for (const result of results)
            if (!result.acquired) expect(result).toEqual(lostTo(winners[0] as IdempotencyRecord))
        },
        timeoutMs,
      )

      test(
        'different keys never interfere',
        async () => {
          const now = clock()
          const records = Array.from({ length: 10 }, () => inProgress(now))
          const results = await Promise.all(records.map((record) => store().acquire(record, now)))
          expect(results).toEqual(records.map(() => ({ acquired: true })))
        },
        timeoutMs,
      )

      test(
        'an in-progress lock holds until it lapses; then the key is acquired by the next request',
        async () => {
          const start = clock()
          const first = inProgress(start, {}, { lockMs: 1000 })
          await store().acquire(first, start)
          expect(await probe(first.keyHash, start + 999)).toEqual(lostTo(first))
          const taker = inProgress(start + 1001, { keyHash: first.keyHash })
          expect(await store().acquire(taker, start + 1001)).toEqual({ acquired: true })
          expect(await probe(first.keyHash, start + 1002)).toEqual(lostTo(taker))
        },
        timeoutMs,
      )

      test(
        'a completed record is replayed, response included, and not taken over while unexpired, even long after its lock lapsed',
        async () => {
          const start = clock()
          const record = inProgress(start, {}, { lockMs: 1000, ttlMs: 10_000 })
          await store().acquire(record, start)
          expect(await store().complete(record.keyHash, record.lockToken, '{"body":"done"}', start + 10_000)).toBe(true)
          const completed = { ...record, status: IdempotencyStatus.Completed, response: '{"body":"done"}' }
          expect(await probe(record.keyHash, start + 1)).toEqual(lostTo(completed))
          expect(await probe(record.keyHash, start + 9_999)).toEqual(lostTo(completed))
        },
        timeoutMs,
      )

      test(
        'an expired completed record is re-acquired, and the new record carries no old response',
        async () => {
          const start = clock()
          const record = inProgress(start, {}, { ttlMs: 2000 })
          await store().acquire(record, start)
          await store().complete(record.keyHash, record.lockToken, '{"old":true}', start + 2000)
          const fresh = inProgress(start + 2001, { keyHash: record.keyHash })
          expect(await store().acquire(fresh, start + 2001)).toEqual({ acquired: true })
          const seen = await probe(record.keyHash, start + 2002)
          expect(seen).toEqual(lostTo(fresh))
          expect(seen.acquired ? undefined : seen.existing).not.toHaveProperty('response')
        },
        timeoutMs,
      )
    })

    describe('complete and release', () => {
      test(
        "complete succeeds only with the lock's token, and only once",
        async () => {
          const now = clock()
          const record = inProgress(now)
          await store().acquire(record, now)
          expect(await store().complete(record.keyHash, newToken(), '"forged"', now + 5000)).toBe(false)
          expect(await probe(record.keyHash, now)).toEqual(lostTo(record))
          expect(await store().complete(record.keyHash, record.lockToken, '"first"', now + 5000)).toBe(true)
          expect(await store().complete(record.keyHash, record.lockToken, '"second"', now + 6000)).toBe(false)
          expect(await store().release(record.keyHash, record.lockToken)).toBe(false)
          const completed = {
            ...record,
            status: IdempotencyStatus.Completed,
            response: '"first"',
            expiresAt: now + 5000,
          }
          expect(await probe(record.keyHash, now)).toEqual(lostTo(completed))
        },
        timeoutMs,
      )

      test(
        "release succeeds only with the lock's token; a released key is free at once",
        async () => {
          const now = clock()
          const record = inProgress(now)
          await store().acquire(record, now)
          expect(await store().release(record.keyHash, newToken())).toBe(false)
          expect(await probe(record.keyHash, now)).toEqual(lostTo(record))
          expect(await store().release(record.keyHash, record.lockToken)).toBe(true)
          expect(await store().release(record.keyHash, record.lockToken)).toBe(false)
          expect(await store().acquire(inProgress(now, { keyHash: record.keyHash }), now)).toEqual({ acquired: true })
        },
        timeoutMs,
      )

      test(
        'a lapsed lock taken over: the old token can neither complete nor release it, and the new lock stays intact',
        async () => {
          const start = clock()
          const old = inProgress(start, {}, { lockMs: 1000 })
          await store().acquire(old, start)
          const taker = inProgress(start + 1500, { keyHash: old.keyHash })
          expect(await store().acquire(taker, start + 1500)).toEqual({ acquired: true })
          expect(await store().complete(old.keyHash, old.lockToken, '"stale"', start + 5000)).toBe(false)
          expect(await store().release(old.keyHash, old.lockToken)).toBe(false)
          expect(await probe(old.keyHash, start + 1600)).toEqual(lostTo(taker))
          expect(await store().complete(taker.keyHash, taker.lockToken, '"fresh"', start + 5000)).toBe(true)
          const replay = await probe(old.keyHash, start + 1700)
          expect(replay).toMatchObject({
            acquired: false,
            existing: { response: '"fresh"', lockToken: taker.lockToken },
          })
        },
        timeoutMs,
      )

      test(
        'complete and release of a key that holds nothing resolve false and create nothing',
        async () => {
          const now = clock()
          const { keyHash } = inProgress(now)
          expect(await store().complete(keyHash, newToken(), '{}', now + 1000)).toBe(false)
          expect(await store().release(keyHash, newToken())).toBe(false)
          expect(await store().acquire(inProgress(now, { keyHash }), now)).toEqual({ acquired: true })
        },
        timeoutMs,
      )

      test(
        'a complete and a release racing with the same token: exactly one succeeds, and the state matches it',
        async () => {
          const now = clock()
          const records = Array.from({ length: 10 }, () => inProgress(now))
          await Promise.all(records.map((record) => store().acquire(record, now)))
          await Promise.all(
            records.map(async (record) => {
              const [completed, released] = await Promise.all([
                store().complete(record.keyHash, record.lockToken, '"done"', now + 5000),
                store().release(record.keyHash, record.lockToken),
              ])
              expect(completed !== released).toBe(true)
              const seen = await probe(record.keyHash, now)
              if (completed) expect(seen).toMatchObject({ acquired: false, existing: { response: '"done"' } })
              else expect(seen).toEqual({ acquired: true })
            }),
          )
        },
        timeoutMs,
      )
    })
  })
}
