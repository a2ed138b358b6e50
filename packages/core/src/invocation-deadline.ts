/**
 * The invocation deadline: what `timeout-watchdog` shares with the other
 * middlewares about one Lambda invocation running out of time. It lives here,
 * in core, so `session-saver` and `idempotency-guard` can take part without
 * depending on the watchdog: when no watchdog is in the chain, every function
 * below is a cheap no-op.
 *
 * State is keyed by the Lambda context object, which the runtime creates anew
 * for every invocation, in an `objectSlot` (a private property of the
 * context), so it is never shared between two invocations and disappears
 * with the context.
 */

import { objectSlot } from './object-slot.js'

/**
 * What a timeout hook is given when it runs.
 *
 * @example
 * ```ts
 * onInvocationTimeout(context, 'my-middleware', async ({ signal }) => {
 *   await client.send(new DeleteItemCommand(input), { abortSignal: signal })
 * })
 * ```
 */
export interface InvocationTimeout {
  /** Aborted when this hook's share of the time is used up: pass it on to SDK calls. */
  readonly signal: AbortSignal
  /** How long this hook may take, in ms. The watchdog stops waiting for it afterwards. */
  readonly budgetMs: number
}

/**
 * Work to do when the watchdog gives up on an invocation: release a lock, log
 * what is dropped. It runs while the rest of the chain may still be running,
 * and must not assume that chain has stopped.
 *
 * @example
 * ```ts
 * const hook: InvocationTimeoutHook = () => logger.info('timed out: changes discarded')
 * ```
 */
export type InvocationTimeoutHook = (timeout: InvocationTimeout) => unknown

/**
 * One registered hook, as {@link InvocationDeadline.expire} hands it out.
 *
 * @example
 * ```ts
 * for (const { name, hook } of deadline.expire()) console.log(name)
 * ```
 */
export interface InvocationTimeoutHookEntry {
  /** The name it was registered under, e.g. `@lambda-session/idempotency-guard`. */
  readonly name: string
  readonly hook: InvocationTimeoutHook
}

/**
 * The watchdog's handle on one invocation's deadline, from
 * {@link attachInvocationDeadline}.
 *
 * @example
 * ```ts
 * const deadline = attachInvocationDeadline(context)
 * // when the timer fires:
 * for (const { hook } of deadline.expire()) await hook({ signal, budgetMs })
 * // when the invocation ended in time:
 * deadline.detach()
 * ```
 */
export interface InvocationDeadline {
  /** Aborted by {@link InvocationDeadline.expire}. */
  readonly signal: AbortSignal
  /** Whether {@link InvocationDeadline.expire} was called. */
  readonly timedOut: boolean
  /**
   * Marks the invocation as timed out for good, aborts the signal with
   * `reason` and returns the hooks to run, last registered first (the order
   * Middy unwinds `after` and `onError`). Hooks registered later are refused.
   * A second call returns no hooks.
   *
   * @param reason - the abort reason @default a `DOMException` named `TimeoutError`
   */
  expire(reason?: unknown): InvocationTimeoutHookEntry[]
  /**
   * Ends the watch of an invocation that finished in time: the context can
   * be watched again (tests reuse contexts). A timed-out invocation stays
   * marked, so its abandoned work can still ask {@link hasInvocationTimedOut}.
   */
  detach(): void
}

/**
 * One tracked invocation: its own handle. Everything is created on demand,
 * because this runs on every request and most invocations end in time: the
 * `AbortController` only when someone reads the signal (or it must abort),
 * the hook list only when a hook registers. One object per invocation, no
 * closures, keeps the per-request garbage small.
 */
class TrackedDeadline implements InvocationDeadline {
  readonly #context: object
  #timedOut = false
  #controller: AbortController | undefined
  /** The abort reason, kept when `expire()` came before anyone read the signal. */
  #reason: unknown
  /** `[name, hook, name, hook, …]` in registration order: a flat list is cheaper than a `Map` for the one or two hooks an invocation has. */
  #hooks: (string | InvocationTimeoutHook)[] | undefined

  constructor(context: object) {
    this.#context = context
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      // Read for the first time after it expired: aborted already, as it would be had it been read before.
      if (this.#timedOut) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  get timedOut(): boolean {
    return this.#timedOut
  }

  expire(reason: unknown = new DOMException('The invocation is about to time out.', 'TimeoutError')) {
    if (this.#timedOut) return []
    this.#timedOut = true
    const hooks = this.#hooks ?? []
    this.#hooks = undefined
    const entries: InvocationTimeoutHookEntry[] = []
    for (let index = hooks.length - 2; index >= 0; index -= 2) {
      entries.push({ name: hooks[index] as string, hook: hooks[index + 1] as InvocationTimeoutHook })
    }
    this.#reason = reason
    this.#controller?.abort(reason)
    return entries
  }

  detach(): void {
    if (!this.#timedOut && deadlines.get(this.#context) === this) deadlines.delete(this.#context)
  }

  /** See {@link onInvocationTimeout}. */
  register(name: string, hook: InvocationTimeoutHook): boolean {
    if (this.#timedOut) return false
    const hooks = this.#hooks
    if (!hooks) {
      this.#hooks = [name, hook]
      return true
    }
    const index = hooks.indexOf(name)
    // Names sit at even positions; a hook is a function, so indexOf can only find a name.
    if (index >= 0) hooks[index + 1] = hook
    else hooks.push(name, hook)
    return true
  }
}

const deadlines = objectSlot<TrackedDeadline>('lambda-session invocation deadline')

/**
 * Starts tracking the deadline of the invocation `context` belongs to. Used by
 * `timeout-watchdog`; other middlewares register hooks with
 * {@link onInvocationTimeout}.
 *
 * Returns `undefined` when the context is already tracked: a second watchdog
 * in the chain, a nested Middy handler given the same context, or a context
 * reused after it timed out. The caller then stands aside.
 *
 * @param context - the Lambda context of the invocation
 * @example
 * ```ts
 * const deadline = attachInvocationDeadline(request.context)
 * if (!deadline) return // someone else watches this invocation
 * ```
 */
export function attachInvocationDeadline(context: object): InvocationDeadline | undefined {
  if (deadlines.get(context) !== undefined) return undefined
  const deadline = new TrackedDeadline(context)
  deadlines.set(context, deadline)
  return deadline
}

/**
 * Registers `hook` to run if the watchdog gives up on this invocation. Hooks
 * run one after another, last registered first, each within a bounded share
 * of the watchdog's margin; a hook that throws or hangs is logged and left
 * behind. Registering a name again replaces its hook and keeps its place.
 *
 * Returns `true` when registered; `false` when no watchdog watches this
 * invocation (nothing will ever call the hook) or when it has already timed
 * out (the hook would come too late: check {@link hasInvocationTimedOut} and
 * act at once).
 *
 * @param context - the Lambda context of the invocation
 * @param name - who registers, e.g. the package name; one hook per name
 * @param hook - what to do on timeout
 * @example
 * ```ts
 * const before = async (request) => {
 *   const token = await acquireLock()
 *   onInvocationTimeout(request.context, '@acme/lock', () => releaseLock(token))
 * }
 * ```
 */
export function onInvocationTimeout(context: object, name: string, hook: InvocationTimeoutHook): boolean {
  return deadlines.get(context)?.register(name, hook) ?? false
}

/**
 * The signal the watchdog aborts when it gives up on this invocation, or
 * `undefined` when no watchdog watches it. Hand it to SDK calls and `fetch`
 * so abandoned work stops early.
 *
 * @param context - the Lambda context of the invocation
 * @example
 * ```ts
 * await fetch(url, { signal: invocationSignal(context) })
 * ```
 */
export function invocationSignal(context: object): AbortSignal | undefined {
  return deadlines.get(context)?.signal
}

/**
 * Whether the watchdog gave up on this invocation and answered for it. Code
 * that still runs afterwards (a late `after`, a handler resumed when a frozen
 * process thaws for a later invocation) checks it before writing anything:
 * the client was told the request failed. Always `false` without a watchdog.
 *
 * @param context - the Lambda context of the invocation
 * @example
 * ```ts
 * if (hasInvocationTimedOut(request.context)) return // the client already got a 503
 * await store.write(changes)
 * ```
 */
export function hasInvocationTimedOut(context: object): boolean {
  return deadlines.get(context)?.timedOut === true
}
