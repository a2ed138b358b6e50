import type { SessionOptions, SessionStore } from '@lambda-session/core'

/** What every group of middleware-level tests is given. */
export interface SessionMiddlewareSuite {
  /** The store under test (valid inside tests). */
  store: () => SessionStore
  /** Session options on the store with the suite's secret, plus `extra`. */
  options: (extra?: Partial<SessionOptions>) => SessionOptions
  /** A second secret, for rotation and forgery tests. */
  otherSecret: string
  /** Parallel requests in the concurrency tests. */
  concurrency: number
  /** Timeout of each test. */
  timeoutMs: number
}

/** What the tests' handlers answer: what the session holds now. */
export function describeSession(session: import('@lambda-session/core').Session) {
  return { isNew: session.isNew, data: session.toJSON(), userId: session.userId ?? null }
}
