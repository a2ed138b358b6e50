import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { RedisSessionStore } from '@lambda-session/redis-store'
import { encodeJsonValue, MAX_JSON_NESTING } from '../src/json-value.js'
import { createRedisTestbed, type RedisTestbed, sessionRecord } from './helpers.js'

let bed: RedisTestbed
let store: RedisSessionStore

beforeAll(async () => {
  bed = await createRedisTestbed()
  store = new RedisSessionStore({ client: bed.client })
})
beforeEach(() => bed.commands.reset())
afterAll(() => bed.close())

/** `depth` levels of arrays and objects, alternating, around a scalar. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf'
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { level: value }
  return value
}

const TOO_DEEP = /^Session value of 'deep' nests arrays and objects more than 1000 levels deep.*JSON string/

describe('members named __proto__', () => {
  test('round-trip as ordinary own members: create, set and append', async () => {
    const value = JSON.parse('{"__proto__":{"__proto__":[1],"isAdmin":true},"constructor":"c"}')
    const record = sessionRecord({ data: { value }, versions: { value: 1 } })
    await store.create(record)
    const loaded = (await store.load(record.idHash))?.data.value as Record<string, unknown>
    expect(loaded).toEqual(value)
    expect(Object.hasOwn(loaded, '__proto__')).toBe(true)
    expect((loaded as { isAdmin?: unknown }).isAdmin).toBeUndefined() // never became the prototype

    await store.update(record.idHash, {
      changes: [
        { kind: 'set', key: 'value', value: { ...value, more: 1 }, expectedVersion: 1 },
        { kind: 'append', key: 'list', values: [value] },
      ],
    })
    expect((await store.load(record.idHash))?.data).toEqual({ value: { ...value, more: 1 }, list: [value] })
  })
})

describe('nesting', () => {
  test(`${MAX_JSON_NESTING} levels store through create, set and append, and load back equal`, async () => {
    expect(MAX_JSON_NESTING).toBe(1000)
    const value = nested(MAX_JSON_NESTING)
    const record = sessionRecord({ data: { deep: value, list: [] }, versions: { deep: 1, list: 1 } })
    await store.create(record)
    await store.update(record.idHash, {
      changes: [
        { kind: 'set', key: 'deep', value: [nested(MAX_JSON_NESTING - 1)], expectedVersion: 1 },
        // The stored list is one level: an element may nest one less, as in the DynamoDB store.
        { kind: 'append', key: 'list', values: [nested(MAX_JSON_NESTING - 1)] },
      ],
    })
    expect((await store.load(record.idHash))?.data).toEqual({
      deep: [nested(MAX_JSON_NESTING - 1)],
      list: [nested(MAX_JSON_NESTING - 1)],
    })
  })

  test('one level more is refused with a TypeError before any command, on create, set and append', async () => {
    const value = nested(MAX_JSON_NESTING + 1)
    await expect(store.create(sessionRecord({ data: { deep: value }, versions: { deep: 1 } }))).rejects.toThrow(
      TOO_DEEP,
    )
    const record = sessionRecord()
    await store.create(record)
    bed.commands.reset()
    await expect(
      store.update(record.idHash, { changes: [{ kind: 'set', key: 'deep', value, expectedVersion: 0 }] }),
    ).rejects.toThrow(TOO_DEEP)
    await expect(
      store.update(record.idHash, { changes: [{ kind: 'append', key: 'deep', values: [nested(MAX_JSON_NESTING)] }] }),
    ).rejects.toThrow(TOO_DEEP)
    expect(bed.commands.total()).toBe(0)
  })

  test('a value far deeper than the stack allows gets the same refusal, not a stack overflow', () => {
    expect(() => encodeJsonValue(nested(100_000), 'deep')).toThrow(TOO_DEEP)
  })
})

describe('encodeJsonValue', () => {
  test('writes what JSON.stringify writes, toJSON included', () => {
    const value = { at: new Date(0), list: [1, 'two', null, { three: true }], nothing: undefined }
    expect(encodeJsonValue(value, 'k')).toBe(JSON.stringify(value))
  })

  test.each([
    ['NaN', Number.NaN, 'not finite'],
    ['Infinity inside', { a: [Number.NEGATIVE_INFINITY] }, 'not finite'],
    ['a toJSON that gives NaN', { toJSON: () => Number.NaN }, 'not finite'],
    ['a bigint', { a: 1n }, "can't be stored as JSON"],
    ['a function', () => 1, "can't be stored as JSON"],
  ])('refuses %s with a TypeError naming the key', (_, value, message) => {
    expect(() => encodeJsonValue(value, 'k')).toThrow(`Session value of 'k' `)
    expect(() => encodeJsonValue(value, 'k')).toThrow(message)
  })

  test('refuses a cycle', () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => encodeJsonValue(cycle, 'k')).toThrow(/refers to itself/)
  })
})
