import { type LambdaSessionErrorOptions, SessionTooLargeError } from '@lambda-session/core'

/**
 * 413: the sealed session would make a `Set-Cookie` line (name, value and
 * attributes) longer than the store allows, 4096 bytes at most, which
 * browsers would drop silently. Raised while the response is being
 * finished, before anything is sent; nothing about the session changes.
 * A `SessionTooLargeError`, so handlers of that error catch it too.
 *
 * @example
 * ```ts
 * if (error instanceof SessionCookieTooLargeError) logger.warn('session too big for a cookie', { bytes: error.sizeBytes })
 * ```
 */
export class SessionCookieTooLargeError extends SessionTooLargeError {
  constructor(sizeBytes: number, limitBytes: number, options: LambdaSessionErrorOptions) {
    super(sizeBytes, limitBytes, options)
    this.message =
      `The sealed session cookie would be ${sizeBytes} bytes (Set-Cookie name, value and attributes), ` +
      `over the ${limitBytes}-byte limit; nothing was sent, and the browser keeps its previous session cookie. ` +
      'Keep less in the session (ids, not documents), or use a server-side store such as DynamoDBSessionStore.'
  }
}
