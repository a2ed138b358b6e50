import { LambdaSessionError } from '@lambda-session/core'

const pkg = '@lambda-session/timeout-watchdog'

/**
 * 503: thrown into a request the watchdog already answered, in place of its
 * handler, when the timer fired while the `before` chain was still running
 * (a slow store call). The client never sees it; it keeps the abandoned
 * request from starting work nobody waits for.
 *
 * @example
 * ```ts
 * if (request.error instanceof InvocationTimedOutError) return // abandoned: nothing to report
 * ```
 */
export class InvocationTimedOutError extends LambdaSessionError {
  constructor() {
    super('The timeout watchdog already answered this invocation; its handler was not started.', 503, {
      package: pkg,
      headers: { 'Retry-After': '1' },
    })
  }
}
