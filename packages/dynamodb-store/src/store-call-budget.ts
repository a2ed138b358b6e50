import { ConfigurationError } from '@lambda-session/core'
import { PACKAGE_NAME } from './dynamodb-errors.js'

/**
 * How long one store operation may take and how often it is tried. Both
 * stores take these options; every one has a default, so a store bounds
 * every DynamoDB call even with a client that has no timeouts of its own.
 *
 * @example
 * ```ts
 * new DynamoDBSessionStore({ client, tableName: 'UserSessions', timeoutMs: 1500, maxAttempts: 2 })
 * ```
 */
export interface StoreCallOptions {
  /**
   * Deadline of one store operation, retries and back-off included. When it
   * passes, the operation fails with `StoreUnavailableError` (503) whatever
   * the client is still doing, and the client's request is aborted.
   * @default 5000
   */
  timeoutMs?: number
  /**
   * Deadline of one attempt of an operation that is safe to repeat (reads,
   * deletes, idempotency `acquire` and `release`): a hung attempt is aborted
   * after this and tried again while `timeoutMs` lasts. One attempt is one
   * `client.send`; the SDK retries of a client you pass happen inside it.
   * Other writes are never repeated after a timeout, so their attempt gets
   * the whole `timeoutMs`.
   * @default 2000
   */
  attemptTimeoutMs?: number
  /**
   * Attempts the store makes per operation (1 = no store-level retry).
   * Throttling and requests that never reached DynamoDB are retried for every
   * operation; timeouts and 5xx answers only for operations that are safe to
   * repeat (reads, deletes, idempotency `acquire` and `release`).
   * @default 3
   */
  maxAttempts?: number
  /**
   * First back-off before a retry, doubled per retry, with full jitter: the
   * wait is a random time between 0 and `min(maxRetryDelayMs, retryBaseDelayMs × 2^(retry − 1))`.
   * @default 50
   */
  retryBaseDelayMs?: number
  /** Longest single back-off. @default 1000 */
  maxRetryDelayMs?: number
}

/** {@link StoreCallOptions} with every default applied. */
export interface StoreCallBudget {
  readonly timeoutMs: number
  readonly attemptTimeoutMs: number
  readonly maxAttempts: number
  readonly retryBaseDelayMs: number
  readonly maxRetryDelayMs: number
}

/**
 * The defaults of {@link StoreCallOptions}, and the connection timeout a
 * client made by `createStoreClient` gets.
 *
 * @example
 * ```ts
 * new DynamoDBSessionStore({ client, tableName, timeoutMs: storeCallDefaults.timeoutMs * 2 })
 * ```
 */
export const storeCallDefaults = {
  timeoutMs: 5000,
  attemptTimeoutMs: 2000,
  maxAttempts: 3,
  retryBaseDelayMs: 50,
  maxRetryDelayMs: 1000,
  connectionTimeoutMs: 1000,
} as const

function positive(name: string, value: unknown, fallback: number, { integer = false } = {}): number {
  if (value === undefined) return fallback
  const valid =
    typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value))
  if (!valid) {
    throw new ConfigurationError(
      `${name} must be a positive ${integer ? 'whole number' : 'number of ms'}, got ${String(value)}.`,
      { package: PACKAGE_NAME },
    )
  }
  return value
}

/**
 * Checks the options (a wrong value throws `ConfigurationError` when the
 * store is created) and fills in the defaults.
 *
 * @internal
 * @example
 * ```ts
 * const budget = resolveStoreCallBudget({ timeoutMs: 1500 })
 * ```
 */
export function resolveStoreCallBudget(options: StoreCallOptions = {}): StoreCallBudget {
  const timeoutMs = positive('timeoutMs', options.timeoutMs, storeCallDefaults.timeoutMs)
  const retryBaseDelayMs = positive('retryBaseDelayMs', options.retryBaseDelayMs, storeCallDefaults.retryBaseDelayMs)
  return {
    timeoutMs,
    // An attempt can't outlast the operation it belongs to.
    attemptTimeoutMs: Math.min(
      timeoutMs,
      positive('attemptTimeoutMs', options.attemptTimeoutMs, storeCallDefaults.attemptTimeoutMs),
    ),
    maxAttempts: positive('maxAttempts', options.maxAttempts, storeCallDefaults.maxAttempts, { integer: true }),
    retryBaseDelayMs,
    maxRetryDelayMs: Math.max(
      retryBaseDelayMs,
      positive('maxRetryDelayMs', options.maxRetryDelayMs, storeCallDefaults.maxRetryDelayMs),
    ),
  }
}
