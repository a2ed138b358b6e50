import type { AttributeValue } from '@aws-sdk/client-dynamodb'

/**
 * How many levels of arrays and objects a session value may nest. DynamoDB
 * refuses an item attribute nested past 32 levels, counting the attribute
 * itself as the first and a scalar at the bottom as the last: 31 maps or
 * lists around a scalar. The session's `data` map is the first of them, so a
 * value under it keeps 30 (measured on DynamoDB Local: 30 store, 31 are
 * refused with "Nesting Levels have exceeded supported limits", on `PutItem`
 * and on an `UpdateItem` that sets the key alike).
 *
 * @example
 * ```ts
 * MAX_VALUE_NESTING // 30: `[[…[1]…]]` with 30 brackets stores, 31 don't
 * ```
 */
export const MAX_VALUE_NESTING = 30

/**
 * DynamoDB numbers lie below 1E+126 in magnitude (its largest is 38 nines
 * times 1E+88, which as a double rounds to 1E+126) and, apart from 0, at
 * least 1E-130.
 */
const NUMBER_CEILING = 1e126
const SMALLEST_NUMBER = 1e-130

/** What the value is, for an error message: `a Date`, `a Map`, `a bigint`, `undefined`… */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } }
  return `a ${typeof prototype.constructor?.name === 'string' ? prototype.constructor.name : 'non-plain object'}`
}

/**
 * A plain object is one `JSON.parse` or a literal makes: its prototype is
 * `null` or some realm's `Object.prototype` (whose own prototype is `null`;
 * objects from `structuredClone` or another `vm` context have another realm's).
 * Reading `constructor` instead would trip over a member named `constructor`.
 */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null
  return prototype === null || Object.getPrototypeOf(prototype) === null
}

/**
 * Marshals one value `room` levels of nesting may still go into. Checks and
 * conversion are one walk, so a refused value throws before any request and
 * an accepted one is visited once.
 */
function toAttribute(value: unknown, key: string, room: number, limit: number): AttributeValue {
  switch (typeof value) {
    case 'string':
      // A lone UTF-16 surrogate has no UTF-8 form: DynamoDB fails the request with an internal error.
      if (!value.isWellFormed()) throw new TypeError(`Session value of '${key}' holds a lone UTF-16 surrogate.`)
      return { S: value }
    case 'number': {
      const size = Math.abs(value)
      // `!(size < ceiling)` also catches NaN, which DynamoDB refuses as a number.
      if (!(size < NUMBER_CEILING) || (size !== 0 && size < SMALLEST_NUMBER)) {
        throw new TypeError(`Session value of '${key}' holds a number outside DynamoDB's range (1E-130 to 9.99E+125).`)
      }
      return { N: String(value) }
    }
    case 'boolean':
      return { BOOL: value }
    case 'object': {
      if (value === null) return { NULL: true }
      if (room === 0) {
        throw new TypeError(
          `Session value of '${key}' nests arrays and objects more than ${limit} levels deep, past DynamoDB's ` +
            `limit of 32 levels per attribute (a value may nest ${MAX_VALUE_NESTING} levels, an element appended ` +
            `to a list ${MAX_VALUE_NESTING - 1}); flatten it, or store it as a JSON string (JSON.stringify).`,
        )
      }
      if (Array.isArray(value)) {
        const list: AttributeValue[] = new Array(value.length)
        for (let index = 0; index < value.length; index++) {
          // As in JSON, a missing element (a hole, `undefined`) is `null`.
          list[index] = toAttribute(value[index] ?? null, key, room - 1, limit)
        }
        return { L: list }
      }
      if (!isPlainObject(value)) throw notJson(value, key)
      const object = value as Record<string, unknown>
      const map: Record<string, AttributeValue> = {}
      for (const member of Object.keys(object)) {
        const memberValue = object[member]
        // As in JSON, an `undefined` member is no member.
        if (memberValue === undefined) continue
        if (member === '')
          throw new TypeError(`Session value of '${key}' has an empty object key, which DynamoDB can't store.`)
        if (!member.isWellFormed())
          throw new TypeError(`Session value of '${key}' has an object key with a lone surrogate.`)
        const attribute = toAttribute(memberValue, key, room - 1, limit)
        // Assigning `__proto__` would set the map's prototype and lose the member: define it instead.
        if (member === '__proto__') {
          Object.defineProperty(map, member, { value: attribute, enumerable: true, writable: true, configurable: true })
        } else {
          map[member] = attribute
        }
      }
      return { M: map }
    }
    default:
      throw notJson(value, key)
  }
}

function notJson(value: unknown, key: string): TypeError {
  return new TypeError(
    `Session value of '${key}' holds ${describe(value)}, which is not JSON; ` +
      'store plain objects, arrays, strings, finite numbers, booleans and null.',
  )
}

/**
 * Converts one JSON session value to a DynamoDB attribute value, refusing
 * with a `TypeError` that names `key` what DynamoDB can't store: lone
 * surrogates, empty object keys, numbers outside its range, nesting past
 * `maxNesting` levels, anything that is not JSON. Unlike the SDK's
 * `marshall`, which assigns members onto a plain object, a member named
 * `__proto__` stays a member.
 *
 * @param value - a JSON value (`undefined` members vanish, `undefined` elements become `null`)
 * @param key - the session key, named in errors
 * @param maxNesting - levels of arrays and objects the value may nest
 * @example
 * ```ts
 * toSessionValueAttribute({ sku: 'A1' }, 'cart') // { M: { sku: { S: 'A1' } } }
 * toSessionValueAttribute(JSON.parse('{"__proto__":1}'), 'k') // { M: { __proto__: { N: '1' } } }, an own member
 * ```
 */
export function toSessionValueAttribute(
  value: unknown,
  key: string,
  maxNesting: number = MAX_VALUE_NESTING,
): AttributeValue {
  return toAttribute(value, key, maxNesting, maxNesting)
}
