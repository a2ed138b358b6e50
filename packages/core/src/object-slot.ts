/**
 * A private, per-object value: what a `WeakMap` keyed by the object gives,
 * at a fraction of the cost on the hot path. The middlewares keep one such
 * value per invocation on objects that live exactly as long as it does (the
 * event, the Lambda context, Middy's request), so the value can ride on the
 * object itself: a non-enumerable property under a symbol nobody else holds.
 * Spreading, `Object.keys` and `JSON.stringify` don't see it, and it is gone
 * with the object.
 *
 * Why not a `WeakMap`: every request brings fresh keys, and V8 pays for each
 * one (an identity hash, an entry in an ephemeron table that grows and is
 * swept by every garbage collection). Measured on the full chain, four such
 * entries per request cost more than the cookie parsing they memoized.
 * A frozen or sealed object can't take the property; it falls back to a
 * `WeakMap`, so behaviour never depends on which path was taken.
 */
export interface ObjectSlot<T> {
  get(owner: object): T | undefined
  set(owner: object, value: T): void
  /** Empties the slot; a later `get` answers `undefined`. */
  delete(owner: object): void
}

/**
 * Makes a slot; `description` names its symbol (seen in a debugger only).
 *
 * @example
 * ```ts
 * const parsed = objectSlot<RequestCookies>('request cookies')
 * parsed.set(event, cookies)
 * parsed.get(event) // cookies
 * ```
 */
export function objectSlot<T>(description: string): ObjectSlot<T> {
  const key = Symbol(description)
  const fallback = new WeakMap<object, T>()
  return {
    get(owner) {
      const value = (owner as Record<symbol, T | undefined>)[key]
      return value !== undefined ? value : fallback.get(owner)
    },
    set(owner, value) {
      if (Object.hasOwn(owner, key)) (owner as Record<symbol, T>)[key] = value
      else if (Object.isExtensible(owner)) {
        Object.defineProperty(owner, key, { value, writable: true, enumerable: false, configurable: true })
      } else fallback.set(owner, value)
    },
    delete(owner) {
      if (Object.hasOwn(owner, key)) (owner as Record<symbol, T | undefined>)[key] = undefined
      else fallback.delete(owner)
    },
  }
}
