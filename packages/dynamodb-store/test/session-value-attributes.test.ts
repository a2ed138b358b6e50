import { runInNewContext } from 'node:vm'
import { convertToAttr } from '@aws-sdk/util-dynamodb'
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { compileSessionUpdate } from '../src/session-update-expression.js'
import { MAX_VALUE_NESTING, toSessionValueAttribute } from '../src/session-value-attributes.js'

/** `depth` levels of arrays (or objects) around `leaf`. */
function nested(depth: number, kind: 'array' | 'object', leaf: unknown = 1): unknown {
  let value = leaf
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { level: value }
  return value
}

/**
 * JSON values the SDK's marshaller handles too: no empty keys, no members
 * named `__proto__` or `constructor`, no numbers past DynamoDB's exponents.
 */
const ordinaryJson = fc
  .jsonValue({ maxDepth: 6 })
  .filter((value) => !/"(__proto__|constructor)?":|e[+-]?(12[6-9]|1[3-9]\d|[2-9]\d\d)/.test(JSON.stringify(value)))

describe('toSessionValueAttribute', () => {
  test('gives what the SDK marshaller gives for ordinary JSON values', () => {
    fc.assert(
      fc.property(ordinaryJson, (value) => {
        expect(toSessionValueAttribute(value, 'k')).toEqual(
          convertToAttr(value, { removeUndefinedValues: true, allowImpreciseNumbers: true }),
        )
      }),
      { numRuns: 2000 },
    )
  })

  test('keeps a member named __proto__ as an ordinary own member, at any depth', () => {
    const attribute = toSessionValueAttribute(JSON.parse('{"__proto__":{"__proto__":[1]},"a":2}'), 'k')
    const map = attribute.M as Record<string, { M?: Record<string, unknown> }>
    expect(Object.hasOwn(map, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype)
    expect(Object.keys(map)).toEqual(['__proto__', 'a'])
    const inner = Object.getOwnPropertyDescriptor(map, '__proto__')?.value as { M?: Record<string, unknown> }
    expect(Object.hasOwn(inner.M ?? {}, '__proto__')).toBe(true)
    expect(JSON.stringify(attribute)).toBe('{"M":{"__proto__":{"M":{"__proto__":{"L":[{"N":"1"}]}}},"a":{"N":"2"}}}')
  })

  test('takes members named like other Object.prototype members (constructor, toString) as data', () => {
    expect(toSessionValueAttribute({ constructor: 'x', toString: 1, hasOwnProperty: null }, 'k')).toEqual({
      M: { constructor: { S: 'x' }, toString: { N: '1' }, hasOwnProperty: { NULL: true } },
    })
  })

  test('takes plain objects of another realm (structuredClone, vm contexts) and null-prototype objects', () => {
    const expected = { M: { a: { L: [{ N: '1' }] } } }
    expect(toSessionValueAttribute(structuredClone({ a: [1] }), 'k')).toEqual(expected)
    expect(toSessionValueAttribute(runInNewContext('({ a: [1] })'), 'k')).toEqual(expected)
    expect(toSessionValueAttribute(Object.assign(Object.create(null), { a: [1] }), 'k')).toEqual(expected)
  })

  test('drops undefined members and turns undefined elements and holes into null, as JSON does', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(toSessionValueAttribute({ a: undefined, b: [undefined, , 1] }, 'k')).toEqual({
      M: { b: { L: [{ NULL: true }, { NULL: true }, { N: '1' }] } },
    })
    expect(() => toSessionValueAttribute(undefined, 'k')).toThrow(/'k' holds undefined, which is not JSON/)
  })

  test.each([
    ['a Date', new Date(0), 'holds a Date, which is not JSON'],
    ['a Map', new Map([['a', 1]]), 'holds a Map, which is not JSON'],
    ['a Set', new Set([1]), 'holds a Set, which is not JSON'],
    ['bytes', new Uint8Array([1]), 'holds a Uint8Array, which is not JSON'],
    ['a class instance', new (class Point {})(), 'holds a Point, which is not JSON'],
    ['a bigint', 1n, 'holds a bigint, which is not JSON'],
    ['a function', () => 1, 'holds a function, which is not JSON'],
    ['a symbol', Symbol('s'), 'holds a symbol, which is not JSON'],
    ['NaN', Number.NaN, "outside DynamoDB's range"],
    ['Infinity', Number.POSITIVE_INFINITY, "outside DynamoDB's range"],
    ['a number past 9.99E+125', 1e126, "outside DynamoDB's range"],
    ['a number below 1E-130', 1e-131, "outside DynamoDB's range"],
    ['a lone surrogate', 'a\ud800', 'lone UTF-16 surrogate'],
    ['an empty object key', { '': 1 }, 'empty object key'],
    ['a lone surrogate in an object key', { '\udc00': 1 }, 'object key with a lone surrogate'],
  ])('refuses %s, nested or not, with a TypeError naming the key', (_, value, message) => {
    expect(() => toSessionValueAttribute(value, 'cart')).toThrow(`Session value of 'cart' `)
    expect(() => toSessionValueAttribute(value, 'cart')).toThrow(message)
    expect(() => toSessionValueAttribute({ items: [value] }, 'cart')).toThrow(TypeError)
  })

  test.each(['array', 'object'] as const)(
    `takes ${MAX_VALUE_NESTING} levels of %s nesting and refuses one more, naming the key, the limit and what to do`,
    (kind) => {
      expect(MAX_VALUE_NESTING).toBe(30)
      expect(() => toSessionValueAttribute(nested(MAX_VALUE_NESTING, kind), 'deep')).not.toThrow()
      expect(() => toSessionValueAttribute(nested(MAX_VALUE_NESTING, kind, []), 'deep')).toThrow(TypeError)
      expect(() => toSessionValueAttribute(nested(MAX_VALUE_NESTING + 1, kind), 'deep')).toThrow(
        /^Session value of 'deep' nests arrays and objects more than 30 levels deep.*flatten it, or store it as a JSON string/,
      )
    },
  )

  test('counts empty arrays and objects as a level, and scalars and null as none', () => {
    expect(() => toSessionValueAttribute(nested(MAX_VALUE_NESTING - 1, 'array', {}), 'k')).not.toThrow()
    expect(() => toSessionValueAttribute(nested(MAX_VALUE_NESTING, 'array', {}), 'k')).toThrow(TypeError)
    expect(() => toSessionValueAttribute(nested(MAX_VALUE_NESTING, 'object', null), 'k')).not.toThrow()
  })
})

describe('compileSessionUpdate and nesting', () => {
  test(`a set counts like a stored value (${MAX_VALUE_NESTING} levels); an appended element one less`, () => {
    const set = (value: unknown) => () =>
      compileSessionUpdate({ changes: [{ kind: 'set', key: 'deep', value, expectedVersion: 0 }] })
    const append = (value: unknown) => () =>
      compileSessionUpdate({ changes: [{ kind: 'append', key: 'deep', values: [1, value] }] })
    expect(set(nested(MAX_VALUE_NESTING, 'array'))).not.toThrow()
    expect(set(nested(MAX_VALUE_NESTING + 1, 'array'))).toThrow(/'deep' nests .* more than 30 levels/)
    expect(append(nested(MAX_VALUE_NESTING - 1, 'object'))).not.toThrow()
    expect(append(nested(MAX_VALUE_NESTING, 'object'))).toThrow(/'deep' nests .* more than 29 levels/)
  })

  test('keeps __proto__ members in set and appended values', () => {
    const value = JSON.parse('{"__proto__":1}')
    const compiled = compileSessionUpdate({
      changes: [
        { kind: 'set', key: 'a', value, expectedVersion: 0 },
        { kind: 'append', key: 'b', values: [value] },
      ],
    })
    const values = compiled?.ExpressionAttributeValues ?? {}
    expect(JSON.stringify(values[':v0'])).toBe('{"M":{"__proto__":{"N":"1"}}}')
    expect(JSON.stringify(values[':a1'])).toBe('{"L":[{"M":{"__proto__":{"N":"1"}}}]}')
  })
})
