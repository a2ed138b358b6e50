/** JSON has no NaN or Infinity: `JSON.stringify` would quietly store `null`, which is not what was given. */
function refuseNonFinite(this: unknown, _member: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('a number is not finite')
  return value
}

/**
 * The JSON text a session value is stored as. Redis keeps it byte for byte,
 * so what `JSON.parse` gives back on `load` is exactly the value stored:
 * numbers keep every digit (no float formatting on the way), strings every
 * code unit (lone surrogates are escaped by `JSON.stringify`). Throws a
 * `TypeError` for what JSON can't hold: a `BigInt`, a cycle, a function, a
 * non-finite number.
 *
 * @internal
 * @example
 * ```ts
 * encodeJsonValue({ sku: 'A1', qty: 0.1 + 0.2 }, 'cart') // '{"sku":"A1","qty":0.30000000000000004}'
 * ```
 */
export function encodeJsonValue(value: unknown, key: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value, refuseNonFinite)
  } catch (error) {
    throw new TypeError(`Session value of '${key}' can't be stored as JSON (${(error as Error).message}).`)
  }
  if (text === undefined) throw new TypeError(`Session value of '${key}' can't be stored as JSON (not a JSON value).`)
  return text
}

/** In `u` mode a surrogate pair is one code point, so only lone surrogates are category Cs. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * Session keys become Redis hash field names, which are bytes: a key must be
 * a non-empty, well-formed string (a lone surrogate has no UTF-8 form and
 * would come back as U+FFFD, another key). Empty keys are refused as the
 * DynamoDB store refuses them, so handlers behave the same on both.
 *
 * @internal
 * @example
 * ```ts
 * checkSessionKey('\ud83d') // throws TypeError
 * ```
 */
export function checkSessionKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '' || LONE_SURROGATE.test(key)) {
    throw new TypeError('Session keys must be non-empty, well-formed strings.')
  }
}
