import type { SessionStore } from '@lambda-session/core'
import {
  type ConformanceStoreFactory,
  DEFAULT_CONFORMANCE_TIMEOUT_MS,
  useConformanceStore,
} from './conformance-store.js'
import { jestApi } from './jest-api.js'
import { registerSessionRecordTests } from './session-store-basics.js'
import { registerSessionConcurrencyTests } from './session-store-concurrency.js'
import type { SessionStoreSuite } from './session-store-suite.js'
import { registerSessionValueTests } from './session-store-values.js'
import { registerSessionVersionTests } from './session-store-versions.js'

/**
 * Options of {@link describeSessionStoreConformance}.
 *
 * @example
 * ```ts
 * const options: SessionStoreConformanceOptions = { createStore: async () => ({ store: new MyStore() }) }
 * ```
 */
export interface SessionStoreConformanceOptions {
  /** Makes the store under test, once, in the suite's `beforeAll`; `cleanup` runs in its `afterAll`. */
  createStore: ConformanceStoreFactory<SessionStore>
  /**
   * Time for the records' `createdAt`, `lastSeenAt` and `expiresAt` (an hour
   * ahead), so a store with native TTL keeps them for the test.
   * @default Date.now
   */
  clock?: () => number
  /** Parallel writes in the concurrency tests. @default 50 */
  concurrency?: number
  /**
   * How long `destroyUserSessions` may take to see a session that was just
   * created (an eventually consistent user index); the test calls it again
   * until then.
   * @default 5000
   */
  userIndexTimeoutMs?: number
  /** Timeout of each test, so the suite runs under Jest's 5 s default too. @default 30000 */
  testTimeoutMs?: number
}

/**
 * Registers the tests every `SessionStore` must pass, at the store level:
 * `load`/`create`/`update`/`replace`/`destroy` semantics, per-key versions
 * and tombstones (a stale `set`/`delete` is a `SessionConflictError` naming
 * the key, and nothing of that update lands), `SessionGoneError` and no
 * resurrection for every kind of late write, concurrent increments and
 * appends that all apply, different keys that merge, touch, `userId` and
 * `destroyUserSessions`, members named `__proto__` inside values kept as
 * members, and deep values (30 levels must round-trip; deeper ones may be
 * refused, with a `TypeError` before anything lands). Expiry is not the
 * store's job (the loader decides it), so see
 * {@link describeSessionMiddlewareConformance} for that.
 *
 * Call it at the top level of a Jest test file. Every test uses id hashes of
 * its own, so one store (one table, one database) serves the whole suite.
 *
 * @param name - shown in the test names, e.g. `'RedisSessionStore'`
 * @param options - how to make the store, and limits
 * @example
 * ```ts
 * import { describeSessionStoreConformance } from '@lambda-session/testing'
 *
 * describeSessionStoreConformance('MySessionStore', {
 *   createStore: async () => {
 *     const client = await connect()
 *     return { store: new MySessionStore({ client }), cleanup: () => client.close() }
 *   },
 * })
 * ```
 */
export function describeSessionStoreConformance(name: string, options: SessionStoreConformanceOptions): void {
  const { describe } = jestApi()
  describe(`${name}: SessionStore conformance`, () => {
    const suite: SessionStoreSuite = {
      store: useConformanceStore(options.createStore),
      now: options.clock ?? Date.now,
      concurrency: options.concurrency ?? 50,
      userIndexTimeoutMs: options.userIndexTimeoutMs ?? 5000,
      timeoutMs: options.testTimeoutMs ?? DEFAULT_CONFORMANCE_TIMEOUT_MS,
    }
    registerSessionRecordTests(suite)
    registerSessionValueTests(suite)
    registerSessionVersionTests(suite)
    registerSessionConcurrencyTests(suite)
  })
}
