import { StoreUnavailableError } from '@lambda-session/core'
import { PACKAGE_NAME } from './dynamodb-errors.js'
import { StoreCallTimeoutError } from './send-within-budget.js'
import type { StoreCallBudget } from './store-call-budget.js'

/**
 * One store operation's deadline, shared by the several requests a large
 * session needs (DynamoDB and S3 alike): each request gets what is left of
 * the operation's `timeoutMs`, so the whole operation ends by it.
 *
 * @internal
 * @example
 * ```ts
 * const deadline = new OperationDeadline('update', budget)
 * await sendWithinBudget(attempt, call, deadline.budget(), logger)
 * ```
 */
export class OperationDeadline {
  /** The store operation, named in the 503 when time runs out. */
  readonly operation: string
  readonly #budget: StoreCallBudget
  readonly #end: number

  constructor(operation: string, budget: StoreCallBudget) {
    this.operation = operation
    this.#budget = budget
    this.#end = performance.now() + budget.timeoutMs
  }

  /** Milliseconds left (0 or less once the deadline has passed). */
  remainingMs(): number {
    return Math.floor(this.#end - performance.now())
  }

  /**
   * The budget of the next request: the store's, cut to the time left.
   * Throws `StoreUnavailableError` when none is left.
   */
  budget(): StoreCallBudget {
    const left = this.remainingMs()
    if (left <= 0) {
      throw new StoreUnavailableError(this.operation, {
        package: PACKAGE_NAME,
        cause: new StoreCallTimeoutError(this.operation, this.#budget.timeoutMs),
      })
    }
    return { ...this.#budget, timeoutMs: left, attemptTimeoutMs: Math.min(this.#budget.attemptTimeoutMs, left) }
  }

  /** The back-off before another try after a lost race: full jitter, growing with `retry`, capped. */
  backoffMs(retry: number): number {
    const ceiling = Math.min(this.#budget.maxRetryDelayMs, this.#budget.retryBaseDelayMs * 2 ** Math.min(retry, 10))
    return Math.floor(Math.random() * ceiling)
  }
}
