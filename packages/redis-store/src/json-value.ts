/**
 * How many levels of arrays and objects a session value may nest. Redis
 * itself has no limit (a value is one string), but `JSON.stringify` recurses
 * and overflows the stack a few thousand levels down, at a depth that
 * depends on how deep the caller already is; a fixed limit well below that
 * refuses the same values every time, with a message that says what to do.
 * It is far above the DynamoDB store's 30, so whatever that store takes,
 * this one takes too.
 *
 * @example
 * ```ts
 * MAX_JSON_NESTING // 1000
 * ```
 */
export const MAX_JSON_NESTING = 1000

/** A value's own JSON form, as `JSON.stringify` sees it: what its `toJSON` (a `Date`'s, say) returns. */
function jsonForm(value: object, member: string): unknown {
  const toJSON = (value as { toJSON?: unknown }).toJSON
  return typeof toJSON === 'function' ? toJSON.call(value, member) : value
}

/**
 * Refuses, before `JSON.stringify`, what it would quietly change (a
 * non-finite number becomes `null`) or could only refuse by overflowing the
 * stack (nesting past {@link MAX_JSON_NESTING}). `room` is the nesting left.
 */
function checkJsonValue(value: unknown, member: string, key: string, room: number): void {
  let form = value
  if (typeof form === 'object' && form !== null) form = jsonForm(form, member)
  if (typeof form === 'number') {
    if (!Number.isFinite(form)) throw new TypeError(`Session value of '${key}' holds a number that is not finite.`)
    return
  }
  if (typeof form !== 'object' || form === null) return
  if (room === 0) {
    throw new TypeError(
      `Session value of '${key}' nests arrays and objects more than ${MAX_JSON_NESTING} levels deep (or refers ` +
        'to itself); flatten it, or store it as a JSON string (JSON.stringify).',
    )
  }
  if (Array.isArray(form)) {
    for (let index = 0; index < form.length; index++) checkJsonValue(form[index], String(index), key, room - 1)
    return
  }
  const object = form as Record<string, unknown>
  for (const name of Object.keys(object)) checkJsonValue(object[name], name, key, room - 1)
}

/**
 * The JSON text a session value is stored as. Redis keeps it byte for byte,
 * so what `JSON.parse` gives back on `load` is exactly the value stored:
 * numbers keep every digit (no float formatting on the way), strings every
 * code unit (lone surrogates are escaped by `JSON.stringify`), and a member
 * named `__proto__` stays a member (`JSON.stringify` writes own members,
 * `JSON.parse` defines them). Throws a `TypeError` for what JSON can't hold:
 * a `BigInt`, a cycle, a function, a non-finite number, nesting past
 * {@link MAX_JSON_NESTING} levels.
 *
 * @internal
 * @example
 * ```ts
 * encodeJsonValue({ sku: 'A1', qty: 0.1 + 0.2 }, 'cart') // '{"sku":"A1","qty":0.30000000000000004}'
 * ```
 */
export function encodeJsonValue(value: unknown, key: string): string {
  // One walk to check, then `JSON.stringify` without a replacer: a replacer
  // function takes it off V8's fast path, which costs more than the walk.
  checkJsonValue(value, '', key, MAX_JSON_NESTING)
  let text: string | undefined
  try {
    text = JSON.stringify(value)
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
