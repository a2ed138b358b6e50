import {
  ConfigurationError,
  DYNAMODB_MAX_ITEM_BYTES,
  LambdaSessionError,
  SessionTooLargeError,
  StoreUnavailableError,
} from '@lambda-session/core'

/**
 * The package named in the `cause` of every error this package raises.
 *
 * @internal
 * @example
 * ```ts
 * new StoreUnavailableError('load', { package: PACKAGE_NAME, cause: error })
 * ```
 */
export const PACKAGE_NAME = '@lambda-session/dynamodb-store'

/** The parts of an SDK (or network) error this mapping looks at. */
interface SdkErrorShape {
  name?: string
  message?: string
  code?: string
  $retryable?: unknown
  $metadata?: { httpStatusCode?: number }
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {}
}

/** Exceptions that mean "DynamoDB is busy or down": a later retry can succeed. */
const UNAVAILABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
  // The same ClientRequestToken's transaction is still running: its outcome is not known yet.
  'TransactionInProgressException',
])

/** Node.js socket error codes: the request never got an answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/** Exceptions that mean the table, index or permissions are not set up. */
const SETUP_NAMES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'CredentialsProviderError',
])

/**
 * The socket error code of an error that never got an HTTP answer, if any.
 * Looks at the message too: when the SDK runs in another realm than Node's
 * `http` (Jest's VM, some bundlers), it wraps the socket error in a new
 * `Error` whose message is all that is left of it.
 *
 * @internal
 * @example
 * ```ts
 * networkErrorCode(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) // 'ECONNREFUSED'
 * ```
 */
export function networkErrorCode(error: unknown): string | undefined {
  const shape = shapeOf(error)
  if (shape.code && NETWORK_CODES.has(shape.code)) return shape.code
  const cause = (error as { cause?: unknown } | undefined)?.cause
  const causeCode = shapeOf(cause).code
  if (causeCode && NETWORK_CODES.has(causeCode)) return causeCode
  return shape.message?.match(/\bE[A-Z_]+\b/g)?.find((code) => NETWORK_CODES.has(code))
}

/**
 * Whether an SDK error is DynamoDB's answer to a failed condition expression.
 *
 * @internal
 * @example
 * ```ts
 * catch (error) { if (isConditionalCheckFailed(error)) throw new SessionGoneError(…) }
 * ```
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return shapeOf(error).name === 'ConditionalCheckFailedException'
}

/**
 * Whether a message is DynamoDB's "item too large" (PutItem, UpdateItem and transactions word it alike).
 *
 * @internal
 * @example
 * ```ts
 * isItemSizeMessage('Item size has exceeded the maximum allowed size') // true
 * ```
 */
export function isItemSizeMessage(message: string | undefined): boolean {
  return message !== undefined && /item size/i.test(message) && /exceed/i.test(message)
}

/**
 * Whether the store can't be reached or is refusing work right now:
 * throttling, a 5xx, a timeout, or a socket error (no HTTP status at all).
 *
 * @internal
 * @example
 * ```ts
 * isUnavailableError(new ProvisionedThroughputExceededException({ message: '…', $metadata: {} })) // true
 * ```
 */
export function isUnavailableError(error: unknown): boolean {
  const shape = shapeOf(error)
  if (shape.name && UNAVAILABLE_NAMES.has(shape.name)) return true
  if (networkErrorCode(error)) return true
  if (shape.$retryable !== undefined) return true
  const status = shape.$metadata?.httpStatusCode
  if (status !== undefined) return status >= 500 || status === 429
  // Every error that passed the SDK's retry loop carries `$metadata`, and
  // those DynamoDB answered also an HTTP status: `$metadata` without a status
  // means no answer came (socket errors, DNS, timeouts). Errors without
  // `$metadata` never reached the network (bad input) and are not outages.
  return shape.$metadata !== undefined && !(shape.name && SETUP_NAMES.has(shape.name))
}

/** Context for {@link toStoreError}. @internal */
export interface StoreErrorContext {
  /** The store operation, e.g. `load`; named in the error message. */
  operation: string
  /** The table, named in configuration errors. */
  tableName: string
  /** Estimated bytes of what was written, for `SessionTooLargeError`. */
  estimatedBytes?: number
}

/**
 * Maps an SDK error to this project's typed errors (conditional check
 * failures are handled by the callers, which know what the condition meant):
 *
 * - item over 400 KB: `SessionTooLargeError` (413)
 * - throttling, 5xx, timeouts, network errors: `StoreUnavailableError` (503)
 * - missing table or index, denied access, bad credentials: `ConfigurationError` (500)
 * - anything else: a 500 `LambdaSessionError` with the SDK error as `cause`
 *
 * Messages never include session data or ids.
 *
 * @internal
 * @example
 * ```ts
 * try { await client.send(command) } catch (error) { throw toStoreError(error, { operation: 'load', tableName }) }
 * ```
 */
export function toStoreError(error: unknown, context: StoreErrorContext): LambdaSessionError {
  if (error instanceof LambdaSessionError) return error
  const options = { package: PACKAGE_NAME, cause: error }
  const shape = shapeOf(error)
  const { operation, tableName } = context

  if (shape.name === 'ValidationException' && isItemSizeMessage(shape.message)) {
    // DynamoDB says the item is over the limit, while our estimate may cover
    // only part of it (an update sees only its changes): report at least the limit.
    const sizeBytes = Math.max(context.estimatedBytes ?? 0, DYNAMODB_MAX_ITEM_BYTES + 1)
    return new SessionTooLargeError(sizeBytes, DYNAMODB_MAX_ITEM_BYTES, options)
  }
  if (shape.name === 'ResourceNotFoundException' || /specified index/i.test(shape.message ?? '')) {
    return new ConfigurationError(
      `DynamoDB table '${tableName}' or its index does not exist (${operation} failed). ` +
        `Create it with \`lambda-session-tables create --sessions-table ${tableName}\` or ensureSessionTable().`,
      options,
    )
  }
  if (shape.name && SETUP_NAMES.has(shape.name)) {
    return new ConfigurationError(
      `DynamoDB refused the session store's ${operation} on table '${tableName}' (${shape.name}): ` +
        'check the credentials and that the IAM role allows the actions listed in the README.',
      options,
    )
  }
  if (isUnavailableError(error)) return new StoreUnavailableError(operation, options)
  return new LambdaSessionError(
    `DynamoDB rejected the session store's ${operation} on table '${tableName}' (${shape.name ?? 'unknown error'}).`,
    500,
    options,
  )
}
