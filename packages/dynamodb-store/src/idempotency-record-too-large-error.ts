import { LambdaSessionError, type LambdaSessionErrorOptions } from '@lambda-session/core'

/**
 * 500: a completed idempotency record (mostly the stored response) would be
 * over DynamoDB's item limit, so it was not stored. A server-side limit,
 * not the client's fault, hence not a 413. `idempotencyGuard` keeps
 * responses under its own `maxResponseBytes` (350 KB by default), so this
 * only happens when that limit is raised too close to DynamoDB's.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof IdempotencyRecordTooLargeError) console.log(error.sizeBytes) }
 * ```
 */
export class IdempotencyRecordTooLargeError extends LambdaSessionError {
  /** Size of the record in bytes: an estimate, or at least the limit when DynamoDB refused it. */
  readonly sizeBytes: number
  /** DynamoDB's item limit in bytes. */
  readonly limitBytes: number

  constructor(sizeBytes: number, limitBytes: number, options: LambdaSessionErrorOptions) {
    super(
      `The idempotency record would be at least ${sizeBytes} bytes, over DynamoDB's ${limitBytes}-byte item limit; ` +
        "the response was not stored. Lower the guard's maxResponseBytes so large responses are returned unstored.",
      500,
      options,
    )
    this.sizeBytes = sizeBytes
    this.limitBytes = limitBytes
  }
}
