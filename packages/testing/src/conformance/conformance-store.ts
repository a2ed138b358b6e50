import { jestApi } from './jest-api.js'

/**
 * What a conformance suite's `createStore` resolves to: the store under test
 * and, optionally, how to clean up after the suite.
 *
 * @example
 * ```ts
 * const created: ConformanceStore<SessionStore> = { store, cleanup: () => client.destroy() }
 * ```
 */
export interface ConformanceStore<TStore> {
  /** The store the suite exercises. Each test uses keys of its own, so one store serves the whole suite. */
  store: TStore
  /** Runs once after the suite: close clients, stop servers, drop tables. @default nothing */
  cleanup?: () => unknown
}

/**
 * Makes the store for a suite. Called once, in the suite's `beforeAll`.
 *
 * @example
 * ```ts
 * const createStore: ConformanceStoreFactory<SessionStore> = async () => {
 *   await ensureSessionTable({ client, tableName })
 *   return { store: new DynamoDBSessionStore({ client, tableName }) }
 * }
 * ```
 */
export type ConformanceStoreFactory<TStore> = () => ConformanceStore<TStore> | Promise<ConformanceStore<TStore>>

/** How long one conformance test may take (a concurrency test sends dozens of requests). */
export const DEFAULT_CONFORMANCE_TIMEOUT_MS = 30_000

/**
 * Registers the suite's `beforeAll`/`afterAll` for the store and returns a
 * getter for use inside its tests.
 */
export function useConformanceStore<TStore>(createStore: ConformanceStoreFactory<TStore>): () => TStore {
  const { beforeAll, afterAll } = jestApi()
  let created: ConformanceStore<TStore> | undefined
  beforeAll(async () => {
    created = await createStore()
  })
  afterAll(async () => {
    await created?.cleanup?.()
  })
  return () => {
    if (!created) throw new Error('createStore() did not resolve: see the beforeAll failure above.')
    return created.store
  }
}

/** Resolves to what `promise` rejects with; throws when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail, but it succeeded')
}

/** A pause, for polling an eventually consistent index. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
