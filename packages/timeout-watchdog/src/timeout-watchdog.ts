import {
  attachInvocationDeadline,
  type InvocationDeadline,
  type InvocationTimeoutHookEntry,
} from '@lambda-session/core'
import { findWatch, type InvocationWatch, type WatchActions } from './invocation-watch.js'
import {
  type ResolvedWatchdogOptions,
  resolveWatchdogOptions,
  type TimeoutWatchdogOptions,
  timeoutResponse,
  type WatchdogRequest,
} from './options.js'
import { runTimeoutHooks } from './run-hooks.js'

const name = 'timeout-watchdog'
const pkg = `@lambda-session/${name}`

/** Node fires longer timers at once (with a warning); no Lambda runs this long anyway (15 min at most). */
const MAX_TIMER_MS = 2_147_483_647

/** The context's remaining time, or `undefined` where the context has no usable clock (tests, local runs). */
function remainingTime(context: WatchdogRequest['context']): number | undefined {
  if (typeof context.getRemainingTimeInMillis !== 'function') return undefined
  let remaining: unknown
  try {
    remaining = context.getRemainingTimeInMillis()
  } catch {
    return undefined // a hand-made context's broken clock: no watchdog rather than a failed request
  }
  return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined
}

/** Runs the hooks within the budget, logs the timeout and builds the answer. Never rejects. */
async function answerTimeout(
  request: WatchdogRequest,
  deadline: InvocationDeadline,
  options: ResolvedWatchdogOptions,
): Promise<unknown> {
  const { logger, marginMs, hooksBudgetMs, onTimeout } = options
  const firedAt = performance.now()
  const remainingMs = remainingTime(request.context) ?? marginMs
  const hooks: InvocationTimeoutHookEntry[] = deadline.expire()
  if (onTimeout) hooks.push({ name: 'onTimeout', hook: (timeout) => onTimeout(request, timeout) })
  // Hooks end when the time left reaches the reserve, which is less than the budget if the timer fired late.
  const reserveMs = marginMs - hooksBudgetMs
  const hooksEndAt = firedAt + Math.max(0, Math.min(hooksBudgetMs, remainingMs - reserveMs))
  const outcomes = await runTimeoutHooks(hooks, hooksEndAt, logger)
  logger.warn('invocation about to time out: answered early', {
    package: pkg,
    event: 'timed-out',
    marginMs,
    remainingMs,
    hooks: outcomes,
    tookMs: Math.round(performance.now() - firedAt),
  })
  try {
    const answer = options.response(request)
    if (typeof (answer as { then?: unknown } | null)?.then !== 'function') return answer
    throw new TypeError('the response option returned a promise; it must answer synchronously')
  } catch (error) {
    logger.error('the response option failed; the default answer was sent', {
      package: pkg,
      event: 'response-failed',
      error: String(error),
    })
    return timeoutResponse(options.retryAfterSeconds)
  }
}

/**
 * Middy middleware: answers before Lambda's hard timeout. Armed in `before`
 * at the context's remaining time minus `marginMs`, it covers everything
 * after it in the chain (slow store calls in `before` and `after` included),
 * not only the handler. When it fires it aborts the invocation's signal (the
 * handler's `signal` argument, `invocationSignal(context)` elsewhere), runs
 * the timeout hooks other middlewares registered (the session saver drops
 * the request's session changes, the idempotency guard releases its lock)
 * and your `onTimeout`, then answers 503 with `Retry-After`.
 *
 * Needs `executionModeTimeoutWatchdog` (see its docs: a middleware alone
 * can't answer while the chain is still awaiting) and belongs first in
 * `.use()` order. Without `getRemainingTimeInMillis` on the context it warns
 * once and stands aside.
 *
 * @param opts - margin, hooks budget, `onTimeout`, answer, logger @default {}
 * @example
 * ```ts
 * export const handler = middy(app, { executionMode: executionModeTimeoutWatchdog })
 *   .use(timeoutWatchdog({ marginMs: 500, onTimeout: async (request) => saveProgress(request.event) }))
 *   .use(httpCookieParser())
 *   .use(sessionLoader(sessions))
 *   .use(idempotencyGuard({ store: idemStore }))
 *   .use(sessionSaver(sessions))
 *   .use(httpErrorHandler())
 * ```
 */
export const timeoutWatchdog = (opts: TimeoutWatchdogOptions = {}) => {
  const options = resolveWatchdogOptions(opts)
  const { logger, marginMs } = options
  const reported = new Set<string>()

  /** A setup problem is the same on every request: say it once per middleware. */
  function reportOnce(event: string, level: 'warn' | 'error', message: string, details: object = {}): void {
    if (reported.has(event)) return
    reported.add(event)
    logger[level](message, { package: pkg, event, ...details })
  }

  // Shared by every request of this middleware: arming a watch allocates no closures.
  const actions: WatchActions = {
    fire: (request, deadline) => answerTimeout(request, deadline, options),
    abandonedSettled: (outcome, error) =>
      logger.info('the request answered by the watchdog has settled', {
        package: pkg,
        event: 'abandoned-settled',
        outcome,
        ...(error === undefined ? {} : { error: String(error) }),
      }),
  }

  function arm(request: WatchdogRequest, watch: InvocationWatch, remainingMs: number): void {
    const deadline = attachInvocationDeadline(request.context)
    if (!deadline) {
      reportOnce(
        'already-watched',
        'warn',
        'this invocation is already watched (a second timeoutWatchdog, a nested middy handler given the same context, or a context reused after a timeout); this one stands aside',
      )
      return
    }
    if (remainingMs <= marginMs) {
      reportOnce('margin-too-large', 'warn', 'the remaining time is already within marginMs: answering at once', {
        remainingMs,
        marginMs,
      })
    }
    watch.arm(request, deadline, Math.min(MAX_TIMER_MS, Math.max(0, remainingMs - marginMs)), actions)
  }

  const timeoutWatchdogMiddlewareBefore = (request: WatchdogRequest): void => {
    const watch = findWatch(request)
    if (!watch) {
      reportOnce(
        'no-execution-mode',
        'error',
        'timeoutWatchdog needs middy(app, { executionMode: executionModeTimeoutWatchdog }): without it nothing can answer early, so the watchdog is off',
      )
      return
    }
    if (watch.armed) return // a second timeoutWatchdog in the same chain: the first one rules
    const remainingMs = remainingTime(request.context)
    if (remainingMs === undefined) {
      reportOnce(
        'no-remaining-time',
        'warn',
        'context.getRemainingTimeInMillis is missing or gives no finite number (a test or local run?): no timeout watchdog for this handler',
      )
      return
    }
    arm(request, watch, remainingMs)
  }

  return { before: timeoutWatchdogMiddlewareBefore }
}
