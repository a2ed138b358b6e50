function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new RangeError(`ManualClock.${name}: expected a finite number of ms, got ${value}.`)
}

/**
 * A clock that moves only when the test says so: pass it (or its `now`) to
 * anything that takes a clock, e.g. session options and
 * {@link createLambdaContext}, to test expiry and timeouts without waiting.
 * `now` is a bound property, so `clock.now` can be handed over on its own.
 *
 * @example
 * ```ts
 * const clock = new ManualClock()
 * const context = createLambdaContext({ timeoutMs: 3000, clock })
 * const options = { store, secrets, clock: clock.now }
 * clock.advance(2500)
 * context.getRemainingTimeInMillis() // 500
 * ```
 */
export class ManualClock {
  #ms: number

  /**
   * @param startMs - the initial time in epoch ms. The real current time by
   * default, so records written with it are not already past a store's TTL.
   * @default Date.now()
   */
  constructor(startMs: number = Date.now()) {
    checkFinite('constructor', startMs)
    this.#ms = startMs
  }

  /** The current time in epoch ms. Bound: `const now = clock.now` works. */
  readonly now = (): number => this.#ms

  /**
   * Moves the clock forward and returns the new time. Time never runs
   * backwards on its own, so a negative step is rejected; use `set()` to jump.
   *
   * @param ms - milliseconds to add, at least 0
   * @example
   * ```ts
   * clock.advance(60_000) // one minute later
   * ```
   */
  advance(ms: number): number {
    checkFinite('advance', ms)
    if (ms < 0) throw new RangeError(`ManualClock.advance: expected ms >= 0, got ${ms}; use set() to go back.`)
    this.#ms += ms
    return this.#ms
  }

  /**
   * Sets the clock to an absolute time in epoch ms, forwards or backwards.
   *
   * @example
   * ```ts
   * clock.set(Date.parse('2030-01-01T00:00:00Z'))
   * ```
   */
  set(ms: number): void {
    checkFinite('set', ms)
    this.#ms = ms
  }
}
