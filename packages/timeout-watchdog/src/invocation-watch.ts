import type { InvocationDeadline } from '@lambda-session/core'

/** What the middleware tells an armed watch to do. */
export interface WatchActions {
  /** Runs the hooks and builds the answer. Must not reject. */
  fire(): Promise<unknown>
  /** Called once the abandoned request settles after the answer went out. */
  abandonedSettled(outcome: 'response' | 'error', error?: unknown): void
}

/**
 * One invocation's timer and the answer it may give. The execution mode opens
 * it for each request before the chain runs and closes it however the chain
 * ends; the middleware arms it from `before` with its options. Kept apart
 * from the core deadline, which other middlewares see, because only these two
 * may touch the timer.
 */
export class InvocationWatch {
  /** Settles with the watchdog's answer once the timer fired; pending forever otherwise. */
  readonly answer: Promise<unknown>
  #resolveAnswer: (value: unknown) => void = () => {}
  #timer: NodeJS.Timeout | undefined
  #deadline: InvocationDeadline | undefined
  #actions: WatchActions | undefined
  #fired = false
  #closed = false

  constructor() {
    this.answer = new Promise((resolve) => {
      this.#resolveAnswer = resolve
    })
  }

  /** Whether a middleware armed this watch already. */
  get armed(): boolean {
    return this.#deadline !== undefined
  }

  /** Whether the timer fired: the invocation's answer is {@link InvocationWatch.answer}, whatever the chain does. */
  get fired(): boolean {
    return this.#fired
  }

  /** Starts the timer. Refused (false) once armed or closed. */
  arm(deadline: InvocationDeadline, delayMs: number, actions: WatchActions): boolean {
    if (this.#closed || this.armed) return false
    this.#deadline = deadline
    this.#actions = actions
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      // close() clears the timer, so this can't run after the invocation ended; the check is belt and braces.
      if (this.#closed) return
      this.#fired = true
      this.#resolveAnswer(actions.fire())
    }, delayMs)
    return true
  }

  /**
   * Ends the watch: clears the timer. An invocation that ended in time
   * releases its context; one that timed out keeps it marked, so its
   * abandoned work can still see that.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
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

const watches = new WeakMap<object, InvocationWatch>()

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
