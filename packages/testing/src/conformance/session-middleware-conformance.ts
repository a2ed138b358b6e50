import { randomBytes } from 'node:crypto'
import { isSealedSessionStore, type SessionStore } from '@lambda-session/core'
import {
  type ConformanceStoreFactory,
  DEFAULT_CONFORMANCE_TIMEOUT_MS,
  useConformanceStore,
} from './conformance-store.js'
import { jestApi } from './jest-api.js'
import { registerSessionExpiryTests } from './session-middleware-expiry.js'
import { registerSessionLifecycleTests } from './session-middleware-lifecycle.js'
import { registerServerStateTests } from './session-middleware-server-state.js'
import type { SessionMiddlewareSuite } from './session-middleware-suite.js'

/**
 * Options of {@link describeSessionMiddlewareConformance}.
 *
 * @example
 * ```ts
 * const options: SessionMiddlewareConformanceOptions = { createStore: () => ({ store: new CookieSessionStore() }), stateless: true }
 * ```
 */
export interface SessionMiddlewareConformanceOptions {
  /** Makes the store under test, once, in the suite's `beforeAll`; `cleanup` runs in its `afterAll`. */
  createStore: ConformanceStoreFactory<SessionStore>
  /**
   * The store keeps no server state (a `SealedSessionStore`, the session
   * sealed in the cookie). The tests that need server state are then not
   * registered: revoking a copied cookie after `destroy()` or
   * `regenerate()`, `destroyUserSessions`, parallel requests that merge, a
   * same-key 409, and refusing a late write after `destroy()`. A test checks
   * that the store really is (or is not) sealed, so the flag can't hide failures.
   * @default false
   */
  stateless?: boolean
  /** Parallel requests in the concurrency tests. @default 50 */
  concurrency?: number
  /** Timeout of each test, so the suite runs under Jest's 5 s default too. @default 30000 */
  testTimeoutMs?: number
}

const newSecret = () => randomBytes(32).toString('base64url')

/**
 * Registers the session contracts that only show end to end, through the
 * real `sessionLoader` and `sessionSaver` with the given store and a cookie
 * jar per browser: round trips in every API Gateway/ALB/Function URL event
 * shape, forged, tampered and rotated-out cookies (no session, or a 401
 * where required), expiry enforced at read time (idle and absolute, on a
 * `ManualClock`), `regenerate()` keeping the age, `destroy()` expiring the
 * cookie, and, for stores with server state, revocation, merging of
 * parallel requests and no resurrection by a late write.
 *
 * Call it at the top level of a Jest test file.
 *
 * @param name - shown in the test names, e.g. `'RedisSessionStore'`
 * @param options - how to make the store, whether it is stateless, limits
 * @example
 * ```ts
 * import { describeSessionMiddlewareConformance } from '@lambda-session/testing'
 *
 * describeSessionMiddlewareConformance('MySessionStore', {
 *   createStore: async () => ({ store: new MySessionStore(), cleanup: () => closeConnections() }),
 * })
 * ```
 */
export function describeSessionMiddlewareConformance(name: string, options: SessionMiddlewareConformanceOptions): void {
  const { describe, test, expect } = jestApi()
  const stateless = options.stateless ?? false
  describe(`${name}: session middleware conformance`, () => {
    const store = useConformanceStore(options.createStore)
    const secret = newSecret()
    const suite: SessionMiddlewareSuite = {
      store,
      options: (extra = {}) => ({ store: store(), secrets: [secret], ...extra }),
      otherSecret: newSecret(),
      concurrency: options.concurrency ?? 50,
      timeoutMs: options.testTimeoutMs ?? DEFAULT_CONFORMANCE_TIMEOUT_MS,
    }

    test(`the store ${stateless ? 'is' : 'is not'} a SealedSessionStore, as declared by \`stateless\``, () => {
      expect(isSealedSessionStore(store())).toBe(stateless)
    })
    registerSessionLifecycleTests(suite)
    registerSessionExpiryTests(suite)
    if (!stateless) registerServerStateTests(suite)
  })
}
