import {
  ConfigurationError,
  DYNAMODB_MAX_ITEM_BYTES,
  LambdaSessionError,
  SessionTooLargeError,
  StoreUnavailableError,
} from '@lambda-session/core'
import { PACKAGE_NAME, toStoreError } from './dynamodb-errors.js'
import { IdempotencyRecordTooLargeError } from './idempotency-record-too-large-error.js'

/** Context for {@link toIdempotencyStoreError}. @internal */
export interface IdempotencyErrorContext {
  /** The store method: `acquire`, `complete` or `release`. */
  operation: string
  /** The idempotency table, named in configuration errors. */
  tableName: string
  /** Estimated bytes of the record written, for the size error. */
  estimatedBytes?: number
}

/**
 * Maps an SDK error from the idempotency store. The classification is the
 * session store's (`toStoreError`), so both stores treat an outage, a
 * missing table or denied access alike; only the wording changes where the
 * session store's would mislead (the table to create, the size error):
 *
 * - throttling, 5xx, timeouts, network errors: `StoreUnavailableError` (503)
 * - missing table: `ConfigurationError` naming `--idempotency-table`
 * - denied access, bad credentials: `ConfigurationError`
 * - item over 400 KB: `IdempotencyRecordTooLargeError`
 * - anything else: a 500 `LambdaSessionError`
 *
 * Conditional check failures are the caller's: they are answers, not errors.
 *
 * @internal
 * @example
 * ```ts
 * catch (error) { throw toIdempotencyStoreError(error, { operation: 'release', tableName }) }
 * ```
 */
export function toIdempotencyStoreError(error: unknown, context: IdempotencyErrorContext): LambdaSessionError {
  const { operation, tableName } = context
  const mapped = toStoreError(error, { operation: `idempotency ${operation}`, tableName })
  if (error instanceof LambdaSessionError || mapped instanceof StoreUnavailableError) return mapped
  const options = { package: PACKAGE_NAME, cause: error }
  const name = (error as { name?: string } | undefined)?.name ?? 'unknown error'
  if (mapped instanceof SessionTooLargeError) {
    return new IdempotencyRecordTooLargeError(
      Math.max(context.estimatedBytes ?? 0, DYNAMODB_MAX_ITEM_BYTES + 1),
      DYNAMODB_MAX_ITEM_BYTES,
      options,
    )
  }
  if (mapped instanceof ConfigurationError) {
    if (name === 'ResourceNotFoundException') {
      return new ConfigurationError(
        `DynamoDB table '${tableName}' does not exist (idempotency ${operation} failed). ` +
          `Create it with \`lambda-session-tables create --idempotency-table ${tableName}\` or ensureIdempotencyTable().`,
        options,
      )
    }
    return new ConfigurationError(
      `DynamoDB refused the idempotency store's ${operation} on table '${tableName}' (${name}): ` +
        'check the credentials and that the IAM role allows the actions listed in the README.',
      options,
    )
  }
  return new LambdaSessionError(
    `DynamoDB rejected the idempotency store's ${operation} on table '${tableName}' (${name}).`,
    500,
    options,
  )
}
