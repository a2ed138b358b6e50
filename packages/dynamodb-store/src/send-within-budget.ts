import type { Logger } from '@lambda-session/core'
import { retryReason } from './retry-decision.js'
import type { StoreCallBudget } from './store-call-budget.js'

/** What {@link sendWithinBudget} needs to know about the call it makes. */
export interface StoreCall {
  /** The store operation, e.g. `load`; logged and named in timeout errors. */
  operation: string
  /** The table, logged with retries. */
  tableName: string
  /** Whether repeating the call after an unclear failure (a timeout, a 5xx) is harmless. */
  idempotent: boolean
}

/**
 * Raised when an attempt or the whole operation runs out of time. Named
 * `TimeoutError` like the SDK's own, so the store maps it to a 503.
 *
 * @internal
 */
export class StoreCallTimeoutError extends Error {
  constructor(operation: string, ms: number, cause?: unknown) {
    super(`DynamoDB gave no answer to ${operation} within ${ms} ms.`, { cause })
    this.name = 'TimeoutError'
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs one attempt, aborting it after `ms`. The race makes the bound hold
 * even for a client or request handler that ignores `abortSignal`; the
 * abort still frees the connection of one that honours it.
 */
async function attemptWithin<T>(attempt: (signal: AbortSignal) => Promise<T>, ms: number, operation: string) {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StoreCallTimeoutError(operation, ms)
      controller.abort(error)
      reject(error)
    }, ms)
  })
  try {
    const sent = attempt(controller.signal)
    sent.catch(() => {}) // after a timeout its rejection (an AbortError) is nobody's business
    return await Promise.race([sent, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/** Full jitter: a random wait up to the capped exponential back-off, so throttled callers spread out. */
function backoffMs(retry: number, budget: StoreCallBudget): number {
  const ceiling = Math.min(budget.maxRetryDelayMs, budget.retryBaseDelayMs * 2 ** (retry - 1))
  return Math.floor(Math.random() * ceiling)
}

/**
 * Sends one DynamoDB request within the store's budget: each attempt of an
 * idempotent call is aborted after `attemptTimeoutMs` (other calls' single
 * unclear attempt gets the whole deadline), the operation ends by `timeoutMs`, and
 * failures that are safe to repeat (see `retryReason`) are retried up to
 * `maxAttempts` with jittered exponential back-off. A retry whose back-off
 * would end past the deadline is not started: the caller gets the error at
 * once and can answer 503 with the time it has left.
 *
 * @internal
 * @example
 * ```ts
 * const output = await sendWithinBudget(
 *   (abortSignal) => client.send(new GetItemCommand(input), { abortSignal }),
 *   { operation: 'load', tableName, idempotent: true }, budget, logger)
 * ```
 */
export async function sendWithinBudget<T>(
  attempt: (abortSignal: AbortSignal) => Promise<T>,
  call: StoreCall,
  budget: StoreCallBudget,
  logger: Logger,
): Promise<T> {
  const deadline = performance.now() + budget.timeoutMs
  // A write that timed out is never repeated, so cutting its attempt short
  // would only turn a slow success into a 503: it gets the whole deadline.
  const attemptCap = call.idempotent ? budget.attemptTimeoutMs : budget.timeoutMs
  for (let attemptNumber = 1; ; attemptNumber++) {
    const left = Math.min(attemptCap, Math.floor(deadline - performance.now()))
    try {
      if (left <= 0) throw new StoreCallTimeoutError(call.operation, budget.timeoutMs)
      return await attemptWithin(attempt, left, call.operation)
    } catch (error) {
      const reason = retryReason(error, call.idempotent)
      if (!reason || attemptNumber >= budget.maxAttempts) throw error
      const delayMs = backoffMs(attemptNumber, budget)
      if (performance.now() + delayMs >= deadline) throw error
      logger.debug('lambda-session: retrying a DynamoDB call', {
        table: call.tableName,
        operation: call.operation,
        attempt: attemptNumber,
        reason,
        delayMs,
      })
      await sleep(delayMs)
    }
  }
}
