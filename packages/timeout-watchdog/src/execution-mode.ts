import { hasInvocationTimedOut, invocationSignal } from '@lambda-session/core'
import type { PluginExecutionMode } from '@middy/core'
// `./Standard` is the subpath every @middy/core 7.x exports (the longer alias came later).
import { executionModeStandard } from '@middy/core/Standard'
import { InvocationTimedOutError } from './errors.js'
import { openWatch } from './invocation-watch.js'

type LambdaHandler = (event: unknown, context: object, options: { signal?: AbortSignal }) => unknown

/** Middy's `runRequest(request, befores, handler, afters, onErrors, plugin)`, as an execution mode receives it. */
type RunRequest = (
  request: { context: object },
  beforeMiddlewares: unknown,
  lambdaHandler: LambdaHandler,
  afterMiddlewares: unknown,
  onErrorMiddlewares: unknown,
  plugin: unknown,
) => Promise<unknown>

interface MiddyCore {
  middyRequest: (event: unknown, context: unknown) => { context: object }
  runRequest: RunRequest
}

/**
 * The handler's third argument: `signal` is the deadline's, made only when
 * the handler reads it (most never do, and an AbortController per request is
 * the dearest part of it). Middy's own options, whose signal never fires
 * under this mode, are the fallback when no deadline is attached.
 */
class WatchedHandlerOptions {
  readonly #context: object
  readonly #middyOptions: { signal?: AbortSignal }

  constructor(context: object, middyOptions: { signal?: AbortSignal }) {
    this.#context = context
    this.#middyOptions = middyOptions
  }

  get signal(): AbortSignal | undefined {
    return invocationSignal(this.#context) ?? this.#middyOptions?.signal
  }
}

/**
 * The handler as the chain calls it: not at all once the watchdog answered
 * (the timer fired while a `before` was still awaiting), and otherwise with
 * the watchdog's signal as the `signal` Middy hands every handler.
 */
function handlerUnlessTimedOut(lambdaHandler: LambdaHandler): LambdaHandler {
  return function watchedLambdaHandler(event, context, options) {
    if (hasInvocationTimedOut(context)) throw new InvocationTimedOutError()
    return lambdaHandler(event, context, new WatchedHandlerOptions(context, options))
  }
}

/** What an execution mode is really called with (Middy's types say `() => void`). */
type ExecutionMode = (
  core: MiddyCore,
  beforeMiddlewares: unknown,
  lambdaHandler: LambdaHandler,
  afterMiddlewares: unknown,
  onErrorMiddlewares: unknown,
  plugin: { timeoutEarly?: boolean },
) => unknown

const watchdogExecutionMode: ExecutionMode = (
  core,
  beforeMiddlewares,
  lambdaHandler,
  afterMiddlewares,
  onErrorMiddlewares,
  plugin,
) => {
  // Core's own early timeout races only the handler and would keep a timer
  // alive in the abandoned request after the watchdog answered; the watchdog
  // covers the whole chain instead.
  plugin.timeoutEarly = false

  // The wrapped handler is made once, not per request; again only if `middy().handler()` swaps the handler.
  let wrappedHandler: LambdaHandler | undefined
  let wrappedFor: LambdaHandler | undefined

  const watchedRunRequest: RunRequest = async (request, befores, handler, afters, onErrors, pluginConfig) => {
    const watch = openWatch(request)
    if (handler !== wrappedFor || !wrappedHandler) {
      wrappedHandler = handlerUnlessTimedOut(handler)
      wrappedFor = handler
    }
    const running = core.runRequest(request, befores, wrappedHandler, afters, onErrors, pluginConfig)
    try {
      const response = await watch.race(running)
      // Once the timer fired the answer is the watchdog's, even if the chain
      // finished while the hooks ran: they already released what it held.
      return watch.fired ? await watch.answer : response
    } catch (error) {
      if (watch.fired) return await watch.answer
      throw error
    } finally {
      watch.close()
      if (watch.fired) watch.followAbandoned(running)
    }
  }

  return (executionModeStandard as unknown as ExecutionMode)(
    { middyRequest: core.middyRequest, runRequest: watchedRunRequest },
    beforeMiddlewares,
    lambdaHandler,
    afterMiddlewares,
    onErrorMiddlewares,
    plugin,
  )
}

/**
 * The Middy execution mode `timeoutWatchdog` needs: Middy's standard mode,
 * with each request raced against the watchdog's answer. A middleware alone
 * can't answer while the chain is still awaiting (Middy returns only when the
 * chain does), so this is the piece that returns the 503 on time; the
 * middleware arms it with its options. It also turns off core's
 * handler-only `timeoutEarlyInMillis` race, which the watchdog replaces.
 *
 * Without `timeoutWatchdog()` in the chain it changes nothing else.
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
 *
 * export const handler = middy(app, { executionMode: executionModeTimeoutWatchdog })
 *   .use(timeoutWatchdog({ marginMs: 500 }))
 * ```
 */
// Middy types execution modes as `() => void`; the real contract is the one above.
export const executionModeTimeoutWatchdog = watchdogExecutionMode as unknown as PluginExecutionMode
