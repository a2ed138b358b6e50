import { type InvocationDeadline, objectSlot } from '@lambda-session/core'
import type { WatchdogRequest } from './options.js'
import { startWatchTimer, stopWatchTimer, type TimedWatch } from './watch-timer.js'

/**
 * What the middleware tells an armed watch to do. One object per middleware,
 * shared by all its requests: the watch hands it the request and deadline, so
 * arming allocates no closures.
 */
export interface WatchActions {
  /** Runs the hooks and builds the answer. Must not reject. */
  fire(request: WatchdogRequest, deadline: InvocationDeadline): Promise<unknown>
  /** Called once the abandoned request settles after the answer went out. */
  abandonedSettled(outcome: 'response' | 'error', error?: unknown): void
}

/**
 * One invocation's place on the shared timer (`watch-timer.ts`) and the
 * answer it may give. The execution mode opens
 * it for each request before the chain runs and closes it however the chain
 * ends; the middleware arms it from `before` with its options. Kept apart
 * from the core deadline, which other middlewares see, because only these two
 * may touch the timer.
 */
export class InvocationWatch implements TimedWatch {
  /** The watchdog's answer, once the timer fired. */
  #answer: Promise<unknown> | undefined
  /** Settles the promise {@link InvocationWatch.race} returned, if it was called. */
  #settleRace: ((value: unknown) => void) | undefined
  #request: WatchdogRequest | undefined
  #deadline: InvocationDeadline | undefined
  #actions: WatchActions | undefined
  #fired = false
  #closed = false
  /** @internal The shared timer's bookkeeping (see `watch-timer.ts`). */
  dueAt = 0
  /** @internal */
  pending = false
  /** @internal */
  previousPending: TimedWatch | undefined = undefined
  /** @internal */
  nextPending: TimedWatch | undefined = undefined

  /** Whether a middleware armed this watch already. */
  get armed(): boolean {
    return this.#deadline !== undefined
  }

  /** Whether the timer fired: the invocation's answer is {@link InvocationWatch.answer}, whatever the chain does. */
  get fired(): boolean {
    return this.#fired
  }

  /** The watchdog's answer; only meaningful once {@link InvocationWatch.fired}. Never rejects. */
  get answer(): Promise<unknown> {
    return this.#answer ?? Promise.resolve(undefined)
  }

  /**
   * Settles with `running`'s outcome, or with the watchdog's answer if the
   * timer fires first: `Promise.race` with a promise that exists only once
   * the timer fired.
   */
  race(running: Promise<unknown>): Promise<unknown> {
    if (this.#fired) return this.answer
    return new Promise((resolve, reject) => {
      this.#settleRace = resolve
      running.then(resolve, reject)
    })
  }

  /** Starts the timer. Refused (false) once armed or closed. */
  arm(request: WatchdogRequest, deadline: InvocationDeadline, delayMs: number, actions: WatchActions): boolean {
    if (this.#closed || this.armed) return false
    this.#request = request
    this.#deadline = deadline
    this.#actions = actions
    startWatchTimer(this, delayMs)
    return true
  }

  /** @internal The timer's work: mark the invocation answered and start the answer. */
  due(): void {
    // close() takes the watch off the timer, so this can't run after the invocation ended; the check is belt and braces.
    if (this.#closed || this.#fired) return
    this.#fired = true
    this.#answer = (this.#actions as WatchActions).fire(
      this.#request as WatchdogRequest,
      this.#deadline as InvocationDeadline,
    )
    this.#settleRace?.(this.#answer)
  }

  /**
   * Ends the watch: clears the timer. An invocation that ended in time
   * releases its context; one that timed out keeps it marked, so its
   * abandoned work can still see that.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    stopWatchTimer(this)
    this.#settleRace = undefined
    if (!this.#fired) this.#deadline?.detach()
  }

  /** Reports, through the middleware, when the chain the watchdog answered for finally settles. */
  followAbandoned(running: Promise<unknown>): void {
    const actions = this.#actions
    if (!actions) return
    running.then(
      () => actions.abandonedSettled('response'),
      (error: unknown) => actions.abandonedSettled('error', error),
    )
  }
}

const watches = objectSlot<InvocationWatch>('lambda-session invocation watch')

/** Opens the watch of one Middy request (the execution mode does, before the chain runs). */
export function openWatch(request: object): InvocationWatch {
  const watch = new InvocationWatch()
  watches.set(request, watch)
  return watch
}

/** The watch the execution mode opened for this request, if it did. */
export function findWatch(request: object): InvocationWatch | undefined {
  return watches.get(request)
}
