import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, rawItem, sessionRecord, uniqueTableName } from './helpers.js'

// What DynamoDB itself takes, on DynamoDB Local through the real SDK: the
// store's depth limit must be exactly DynamoDB's (not stricter: values at the
// limit store; not looser: one level more is refused by the store, before
// any request), and members named `__proto__` must survive the round trip.
const client = localClient()
const tableName = uniqueTableName('values')
const store = new DynamoDBSessionStore({ client, tableName })
const calls = trackDynamoDBCalls(client)

beforeAll(() => ensureSessionTable({ client, tableName }))
afterAll(() => client.destroy())

/** `depth` levels of arrays or objects around a scalar. */
function nested(depth: number, kind: 'array' | 'object', leaf: unknown = 'leaf'): unknown {
  let value = leaf
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { level: value }
  return value
}

const TOO_DEEP = /^Session value of 'deep' nests arrays and objects more than \d+ levels deep/

describe.each(['array', 'object'] as const)('values nested in %ss', (kind) => {
  test('30 levels store through create and through an update, and load back equal', async () => {
    const value = nested(30, kind)
    const record = sessionRecord({ data: { deep: value }, versions: { deep: 1 } })
    await store.create(record)
    expect((await store.load(record.idHash))?.data).toEqual({ deep: value })
    const changed = nested(28, kind, { last: [] }) // 30 as well: empty containers count as a level
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'deep', value: changed, expectedVersion: 1 }] })
    expect((await store.load(record.idHash))?.data).toEqual({ deep: changed })
  })

  test('31 levels are refused with a TypeError before any request, on create and on update', async () => {
    const value = nested(31, kind)
    calls.reset()
    await expect(store.create(sessionRecord({ data: { deep: value }, versions: { deep: 1 } }))).rejects.toThrow(
      TOO_DEEP,
    )
    const record = sessionRecord({ data: { other: 1 }, versions: { other: 1 } })
    await store.create(record)
    calls.reset()
    await expect(
      store.update(record.idHash, { changes: [{ kind: 'set', key: 'deep', value, expectedVersion: 0 }] }),
    ).rejects.toThrow(TOO_DEEP)
    expect(calls.total()).toBe(0)
    expect((await store.load(record.idHash))?.data).toEqual({ other: 1 })
  })

  test('an appended element may nest 29 levels (the list is the 30th); 30 are refused before any request', async () => {
    const record = sessionRecord({ data: { deep: [] }, versions: { deep: 1 } })
    await store.create(record)
    await store.update(record.idHash, { changes: [{ kind: 'append', key: 'deep', values: [nested(29, kind)] }] })
    expect((await store.load(record.idHash))?.data).toEqual({ deep: [nested(29, kind)] })
    calls.reset()
    await expect(
      store.update(record.idHash, { changes: [{ kind: 'append', key: 'deep', values: [nested(30, kind)] }] }),
    ).rejects.toThrow(/more than 29 levels deep/)
    expect(calls.total()).toBe(0)
  })
})

test('members named __proto__ (and constructor) round-trip as ordinary members: create, set, append', async () => {
  const value = JSON.parse(
    '{"__proto__":{"__proto__":[1],"isAdmin":true},"constructor":"c","list":[{"__proto__":null}]}',
  )
  const record = sessionRecord({ data: { value }, versions: { value: 1 } })
  await store.create(record)
  const stored = (await rawItem(client, tableName, record.idHash))?.data?.M?.value?.M ?? {}
  expect(Object.keys(stored).sort()).toEqual(['__proto__', 'constructor', 'list']) // DynamoDB keeps no member order

  const loaded = (await store.load(record.idHash))?.data.value as Record<string, unknown>
  expect(loaded).toEqual(value)
  expect(Object.hasOwn(loaded, '__proto__')).toBe(true)
  expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype)
  expect((loaded as { isAdmin?: unknown }).isAdmin).toBeUndefined() // the member never became the prototype

  await store.update(record.idHash, {
    changes: [
      { kind: 'set', key: 'value', value: { ...value, more: 1 }, expectedVersion: 1 },
      { kind: 'append', key: 'list', values: [value] },
    ],
  })
  expect((await store.load(record.idHash))?.data).toEqual({ value: { ...value, more: 1 }, list: [value] })
})
