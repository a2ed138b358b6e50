import { ConfigurationError, type InvocationTimeout, type Logger } from '@lambda-session/core'

const pkg = '@lambda-session/timeout-watchdog'

/**
 * The part of Middy's request the watchdog uses: `event` and `context` of the
 * invocation. Structural, so the middleware fits any event and context typing.
 *
 * @example
 * ```ts
 * const onTimeout = async (request: WatchdogRequest) => console.log(request.context.awsRequestId)
 * ```
 */
export interface WatchdogRequest {
  event: unknown
  context: object & { getRemainingTimeInMillis?: () => number }
  response?: unknown
}

/**
 * Options of `timeoutWatchdog`.
 *
 * @example
 * ```ts
 * const options: TimeoutWatchdogOptions = { marginMs: 1000, retryAfterSeconds: 5 }
 * ```
 */
export interface TimeoutWatchdogOptions {
  /**
   * How long before the function's timeout the watchdog gives up and answers.
   * It must hold the timeout hooks plus the answer; see the README's table.
   * @default 500
   */
  marginMs?: number
  /**
   * How much of the margin all timeout hooks together may use; whatever is
   * left is kept for returning the answer (and for a timer that fires late
   * because the event loop was busy). Each hook may use what is unused when
   * it starts, less a slice kept for each hook after it, so one that hangs
   * can't starve the rest.
   * @default half of `marginMs`
   */
  hooksBudgetMs?: number
  /**
   * Your own timeout hook, e.g. to save progress. Runs last, after the hooks
   * other middlewares registered, within the same bounds; the second argument
   * holds its signal and budget.
   * @default none
   */
  onTimeout?: (request: WatchdogRequest, timeout: InvocationTimeout) => unknown
  /**
   * The answer to return on timeout: a value, or a synchronous function of
   * the request (the margin has no room to wait for it). Returned as it is
   * (no `Retry-After` is added to it).
   * @default 503, `Retry-After: <retryAfterSeconds>`, JSON `{"message": …}`
   */
  response?: ((request: WatchdogRequest) => unknown) | object
  /** `Retry-After` of the default answer, in seconds. @default 1 */
  retryAfterSeconds?: number
  /**
   * Anything console-shaped. Unlike the other middlewares this one logs to
   * the console by default: all it logs is rare and worth seeing (a timeout,
   * a hook that failed, a chain it can't watch), nothing per request.
   * @default console
   */
  logger?: Logger
}

/** The options with defaults applied. */
export interface ResolvedWatchdogOptions {
  marginMs: number
  hooksBudgetMs: number
  onTimeout: ((request: WatchdogRequest, timeout: InvocationTimeout) => unknown) | undefined
  response: (request: WatchdogRequest) => unknown
  retryAfterSeconds: number
  logger: Logger
}

/**
 * The defaults of {@link TimeoutWatchdogOptions}.
 *
 * @example
 * ```ts
 * timeoutWatchdog({ marginMs: timeoutWatchdogDefaults.marginMs * 2 })
 * ```
 */
export const timeoutWatchdogDefaults = {
  marginMs: 500,
  /** Share of `marginMs` the hooks get when `hooksBudgetMs` is not given. */
  hooksBudgetShare: 0.5,
  retryAfterSeconds: 1,
  message: 'The request took too long and was stopped before it finished; retry it.',
} as const

/**
 * The default answer: 503 with `Retry-After`, a JSON body. A new object per
 * call, so nothing downstream can change the next one.
 *
 * @param retryAfterSeconds - the `Retry-After` value @default 1
 * @example
 * ```ts
 * timeoutWatchdog({ response: () => ({ ...timeoutResponse(5), body: '{"message":"busy"}' }) })
 * ```
 */
export function timeoutResponse(retryAfterSeconds: number = timeoutWatchdogDefaults.retryAfterSeconds) {
  return {
    statusCode: 503,
    headers: { 'Content-Type': 'application/json', 'Retry-After': String(retryAfterSeconds) },
    body: JSON.stringify({ message: timeoutWatchdogDefaults.message }),
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`options.${name} must be a finite number >= 0, got ${String(value)}.`, {
      package: pkg,
    })
  }
  return value
}

/** Checks the options (a mistake throws `ConfigurationError` when the middleware is created) and applies defaults. */
export function resolveWatchdogOptions(options: TimeoutWatchdogOptions = {}): ResolvedWatchdogOptions {
  const marginMs = nonNegative('marginMs', options.marginMs, timeoutWatchdogDefaults.marginMs)
  const hooksBudgetMs = nonNegative(
    'hooksBudgetMs',
    options.hooksBudgetMs,
    Math.floor(marginMs * timeoutWatchdogDefaults.hooksBudgetShare),
  )
  if (hooksBudgetMs > marginMs) {
    throw new ConfigurationError(
      `options.hooksBudgetMs (${hooksBudgetMs}) can't exceed marginMs (${marginMs}): the answer needs time too.`,
      { package: pkg },
    )
  }
  if (options.onTimeout !== undefined && typeof options.onTimeout !== 'function') {
    throw new ConfigurationError('options.onTimeout must be a function.', { package: pkg })
  }
  const retryAfterSeconds = nonNegative(
    'retryAfterSeconds',
    options.retryAfterSeconds,
    timeoutWatchdogDefaults.retryAfterSeconds,
  )
  const configured = options.response
  // A fixed answer is copied per timeout, so it must be plain data: find out now, not at the first timeout.
  if (typeof configured !== 'function' && configured !== undefined) structuredClone(configured)
  const response =
    typeof configured === 'function'
      ? (configured as (request: WatchdogRequest) => unknown)
      : configured === undefined
        ? () => timeoutResponse(retryAfterSeconds)
        : () => structuredClone(configured)
  return {
    marginMs,
    hooksBudgetMs,
    onTimeout: options.onTimeout,
    response,
    retryAfterSeconds,
    logger: options.logger ?? console,
  }
}
