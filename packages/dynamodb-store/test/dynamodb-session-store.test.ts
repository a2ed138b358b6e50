import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { SessionConflictError, SessionGoneError } from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { type DynamoDBCallCounter, trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, rawItem, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'

const client = localClient()
const tableName = uniqueTableName('store')
const store = new DynamoDBSessionStore({ client, tableName })
let calls: DynamoDBCallCounter

beforeAll(async () => {
  await ensureSessionTable({ client, tableName })
  calls = trackDynamoDBCalls(client)
})
beforeEach(() => calls.reset())
afterAll(() => client.destroy())

describe('round trips', () => {
  test('create, load, update, replace and destroy are one request each', async () => {
    const record = sessionRecord({ data: { cart: [] } })
    await store.create(record)
    expect(calls.counts).toEqual({ PutItemCommand: 1 })

    calls.reset()
    const loaded = await store.load(record.idHash)
    expect(calls.counts).toEqual({ GetItemCommand: 1 })
    expect(loaded).toEqual(record)

    calls.reset()
    await store.update(record.idHash, {
      changes: [
        { kind: 'set', key: 'theme', value: 'dark', expectedVersion: 0 },
        { kind: 'increment', key: 'views', by: 2 },
        { kind: 'append', key: 'cart', values: [{ sku: 'A1', qty: 1 }] },
      ],
      touch: { lastSeenAt: record.lastSeenAt + 1, expiresAt: record.expiresAt + 1 },
      userId: 'user-1',
    })
    expect(calls.counts).toEqual({ UpdateItemCommand: 1 })

    calls.reset()
    const replacement = sessionRecord({ data: { moved: true } })
    await store.replace(record.idHash, replacement)
    expect(calls.counts).toEqual({ TransactWriteItemsCommand: 1 })

    calls.reset()
    await store.destroy(replacement.idHash)
    expect(calls.counts).toEqual({ DeleteItemCommand: 1 })
  })

  test('an update with nothing to do sends nothing', async () => {
    await store.update(sessionRecord().idHash, { changes: [] })
    await store.update(sessionRecord().idHash, { changes: [{ kind: 'append', key: 'cart', values: [] }] })
    expect(calls.total()).toBe(0)
  })

  test('a missing session loads as undefined', async () => {
    expect(await store.load(sessionRecord().idHash)).toBeUndefined()
  })
})

describe('create', () => {
  test('refuses to overwrite an existing session', async () => {
    const record = sessionRecord({ data: { owner: 'first' } })
    await store.create(record)
    const error = await rejectionOf(store.create({ ...record, data: { owner: 'second' } }))
    expect((error as { statusCode?: number }).statusCode).toBe(409)
    expect((await store.load(record.idHash))?.data).toEqual({ owner: 'first' })
  })

  test('stores the documented item layout', async () => {
    const record = sessionRecord({ data: { n: 1 }, versions: { n: 3 }, userId: 'user-9', expiresAt: 1_700_000_000_001 })
    await store.create(record)
    const item = await rawItem(client, tableName, record.idHash)
    expect(item).toEqual({
      pk: { S: record.idHash },
      data: { M: { n: { N: '1' } } },
      ver: { M: { n: { N: '3' } } },
      createdAt: { N: String(record.createdAt) },
      lastSeenAt: { N: String(record.lastSeenAt) },
      expiresAt: { N: '1700000000001' },
      ttl: { N: '1700000001' },
      userId: { S: 'user-9' },
    })
  })
})

describe('update', () => {
  test('applies set, delete, increment and append and bumps their versions', async () => {
    const record = sessionRecord({ data: { gone: 'x', keep: 1 }, versions: { gone: 4 } })
    await store.create(record)
    await store.update(record.idHash, {
      changes: [
        { kind: 'set', key: 'a.b', value: { nested: [1, 'two', null, true] }, expectedVersion: 0 },
        { kind: 'delete', key: 'gone', expectedVersion: 4 },
        { kind: 'increment', key: 'views', by: 5 },
        { kind: 'append', key: 'list', values: ['x', 'y'] },
      ],
    })
    const loaded = await store.load(record.idHash)
    expect(loaded?.data).toEqual({ keep: 1, 'a.b': { nested: [1, 'two', null, true] }, views: 5, list: ['x', 'y'] })
    expect(loaded?.versions).toEqual({ 'a.b': 1, gone: 5, views: 1, list: 1 })
  })

  test('after destroy it throws SessionGoneError and does not recreate the item', async () => {
    const record = sessionRecord({ data: { a: 1 } })
    await store.create(record)
    await store.destroy(record.idHash)
    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [{ kind: 'increment', key: 'a', by: 1 }],
        touch: { lastSeenAt: Date.now(), expiresAt: Date.now() + 1000 },
      }),
    )
    expect(error).toBeInstanceOf(SessionGoneError)
    expect(await rawItem(client, tableName, record.idHash)).toBeUndefined()
  })

  test('a stale set throws SessionConflictError naming only the moved key and writes nothing', async () => {
    const record = sessionRecord({ data: { a: 'old', b: 'old' } })
    await store.create(record)
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 'first', expectedVersion: 0 }] })

    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [
          { kind: 'set', key: 'a', value: 'second', expectedVersion: 0 },
          { kind: 'set', key: 'b', value: 'second', expectedVersion: 0 },
        ],
      }),
    )
    expect(error).toBeInstanceOf(SessionConflictError)
    expect((error as SessionConflictError).keys).toEqual(['a'])
    expect((error as SessionConflictError).statusCode).toBe(409)
    expect((await store.load(record.idHash))?.data).toEqual({ a: 'first', b: 'old' })
  })

  test('a set that read the current version succeeds', async () => {
    const record = sessionRecord()
    await store.create(record)
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 1, expectedVersion: 0 }] })
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 2, expectedVersion: 1 }] })
    expect(await store.load(record.idHash)).toMatchObject({ data: { a: 2 }, versions: { a: 2 } })
  })

  test('delete keeps a tombstone version, so a set that read the key before the delete conflicts', async () => {
    const record = sessionRecord()
    await store.create(record)
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 'v', expectedVersion: 0 }] })
    await store.update(record.idHash, { changes: [{ kind: 'delete', key: 'a', expectedVersion: 1 }] })
    const loaded = await store.load(record.idHash)
    expect(loaded?.data).toEqual({})
    expect(loaded?.versions).toEqual({ a: 2 })

    for (const expectedVersion of [0, 1]) {
      const error = await rejectionOf(
        store.update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 'stale', expectedVersion }] }),
      )
      expect((error as SessionConflictError).keys).toEqual(['a'])
    }
    expect((await store.load(record.idHash))?.data).toEqual({})
  })

  test('touch moves lastSeenAt, expiresAt and the ttl in epoch seconds', async () => {
    const record = sessionRecord()
    await store.create(record)
    const expiresAt = record.expiresAt + 90_500
    await store.update(record.idHash, { changes: [], touch: { lastSeenAt: record.lastSeenAt + 60_000, expiresAt } })
    const item = await rawItem(client, tableName, record.idHash)
    expect(item?.ttl).toEqual({ N: String(Math.ceil(expiresAt / 1000)) })
    expect(await store.load(record.idHash)).toMatchObject({ lastSeenAt: record.lastSeenAt + 60_000, expiresAt })
  })

  test('userId is set by a string and removed by null', async () => {
    const record = sessionRecord()
    await store.create(record)
    await store.update(record.idHash, { changes: [], userId: 'user-2' })
    expect((await store.load(record.idHash))?.userId).toBe('user-2')
    await store.update(record.idHash, { changes: [], userId: null })
    expect(await rawItem(client, tableName, record.idHash)).not.toHaveProperty('userId')
    expect(await store.load(record.idHash)).not.toHaveProperty('userId')
  })

  test('keys that look like expression syntax are stored verbatim', async () => {
    const record = sessionRecord()
    await store.create(record)
    const keys = ['#k0', ':v0', 'a.b[0]', 'SET x = y', 'data', 'ver', 'ttl', 'ümlaut 🍪']
    await store.update(record.idHash, {
      changes: keys.map((key, index) => ({ kind: 'set' as const, key, value: index, expectedVersion: 0 })),
    })
    const loaded = await store.load(record.idHash)
    expect(loaded?.data).toEqual(Object.fromEntries(keys.map((key, index) => [key, index])))
  })
})

describe('replace', () => {
  test('moves the session to the new id hash and retires the old one', async () => {
    const old = sessionRecord({ data: { cart: ['A1'] } })
    await store.create(old)
    const next = sessionRecord({ data: { cart: ['A1'] }, userId: 'user-3' })
    await store.replace(old.idHash, next)
    expect(await store.load(old.idHash)).toBeUndefined()
    expect(await store.load(next.idHash)).toEqual(next)
  })

  test('throws SessionGoneError when the old session is gone, and writes nothing', async () => {
    const old = sessionRecord()
    await store.create(old)
    await store.destroy(old.idHash)
    const next = sessionRecord()
    expect(await rejectionOf(store.replace(old.idHash, next))).toBeInstanceOf(SessionGoneError)
    expect(await rawItem(client, tableName, next.idHash)).toBeUndefined()
  })

  test('of two concurrent regenerations exactly one wins', async () => {
    const old = sessionRecord()
    await store.create(old)
    const [a, b] = [sessionRecord(), sessionRecord()]
    const results = await Promise.allSettled([store.replace(old.idHash, a), store.replace(old.idHash, b)])
    const fulfilled = results.filter((result) => result.status === 'fulfilled')
    const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
    expect(fulfilled).toHaveLength(1)
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toBeInstanceOf(SessionGoneError)
    const stored = [await rawItem(client, tableName, a.idHash), await rawItem(client, tableName, b.idHash)]
    expect(stored.filter(Boolean)).toHaveLength(1)
  })
})

describe('destroy', () => {
  test('deletes the item; destroying a missing session is fine', async () => {
    const record = sessionRecord()
    await store.create(record)
    await store.destroy(record.idHash)
    expect(await rawItem(client, tableName, record.idHash)).toBeUndefined()
    await expect(store.destroy(record.idHash)).resolves.toBeUndefined()
  })

  test('destroyUserSessions deletes exactly that user’s sessions, across batches', async () => {
    const target = `user-${Date.now()}`
    const mine = Array.from({ length: 30 }, () => sessionRecord({ userId: target }))
    const others = [sessionRecord({ userId: `${target}-other` }), sessionRecord(), sessionRecord({ userId: target })]
    for (const record of [...mine, ...others]) await store.create(record)
    // The last one leaves the user, so it must survive; another joins by update.
    await store.update(others[2]?.idHash as string, { changes: [], userId: null })
    const joined = sessionRecord()
    await store.create(joined)
    await store.update(joined.idHash, { changes: [], userId: target })

    expect(await store.destroyUserSessions(target)).toBe(31)
    for (const record of [...mine, joined]) expect(await rawItem(client, tableName, record.idHash)).toBeUndefined()
    for (const record of others) expect(await rawItem(client, tableName, record.idHash)).toBeDefined()
    expect(await store.destroyUserSessions(target)).toBe(0)
  })
})
