import { isUnavailableError, networkErrorCode } from './dynamodb-errors.js'

/** Why a failed attempt may be tried again; `undefined` when it must not be. */
export type RetryReason = 'throttled' | 'not-sent' | 'transient'

/** DynamoDB's "slow down" answers: the request was refused before it did anything. */
const THROTTLING_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
])

/** Socket errors raised before a request was sent: nothing can have been written. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

interface ErrorShape {
  name?: string
  message?: string
  $retryable?: { throttling?: boolean }
  $metadata?: { httpStatusCode?: number }
  CancellationReasons?: { Code?: string }[]
}

function isThrottled(error: ErrorShape): boolean {
  if (error.name && THROTTLING_NAMES.has(error.name)) return true
  if (error.$retryable?.throttling === true || error.$metadata?.httpStatusCode === 429) return true
  // A transaction cancelled only because a member was throttled applied nothing.
  if (error.name !== 'TransactionCanceledException' || !error.CancellationReasons) return false
  const throttledCode = (code: string | undefined) => /Throttl|ProvisionedThroughput/.test(code ?? '')
  const reasons = error.CancellationReasons
  return (
    reasons.some((reason) => throttledCode(reason.Code)) &&
    reasons.every((reason) => !reason.Code || reason.Code === 'None' || throttledCode(reason.Code))
  )
}

function neverSent(error: ErrorShape, raw: unknown): boolean {
  const code = networkErrorCode(raw)
  if (code && NOT_SENT_CODES.has(code)) return true
  // The SDK's connection timeout: the socket never connected, so no request went out.
  return error.name === 'TimeoutError' && /establish(ing)? a connection/i.test(error.message ?? '')
}

/**
 * Whether a failed DynamoDB attempt can be tried again without risk:
 *
 * - `throttled`: DynamoDB refused the request (it did nothing), for any operation;
 * - `not-sent`: the connection never opened, for any operation;
 * - `transient`: a timeout, a reset connection or a 5xx, where the request may
 *   have been applied: only when repeating the operation is harmless
 *   (`idempotent`), since repeating an `increment` would count twice and
 *   repeating a conditional create would report a conflict with itself.
 *
 * @internal
 * @example
 * ```ts
 * retryReason(error, false) // 'throttled' | 'not-sent' | undefined
 * ```
 */
export function retryReason(error: unknown, idempotent: boolean): RetryReason | undefined {
  const shape: ErrorShape = typeof error === 'object' && error !== null ? (error as ErrorShape) : {}
  if (isThrottled(shape)) return 'throttled'
  if (neverSent(shape, error)) return 'not-sent'
  if (idempotent && (isUnavailableError(error) || shape.name === 'TimeoutError')) return 'transient'
  return undefined
}
