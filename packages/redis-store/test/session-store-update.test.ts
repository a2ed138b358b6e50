import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { SessionConflictError, SessionGoneError } from '@lambda-session/core'
import { RedisSessionStore } from '@lambda-session/redis-store'
import { createRedisTestbed, newIdHash, type RedisTestbed, rejectionOf, sessionRecord } from './helpers.js'

// What one update writes, and what it refuses to write, checked against the raw hash.
let bed: RedisTestbed
let store: RedisSessionStore
const key = (idHash: string) => `ls:s:${idHash}`

beforeAll(async () => {
  bed = await createRedisTestbed()
  store = new RedisSessionStore({ client: bed.client })
})
beforeEach(() => bed.commands.reset())
afterAll(() => bed.close())

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

  test('after destroy it throws SessionGoneError and does not recreate the session', async () => {
    const record = sessionRecord({ data: { a: 1 }, userId: 'user-gone' })
    await store.create(record)
    await store.destroy(record.idHash)
    const writes = [
      { changes: [{ kind: 'increment' as const, key: 'a', by: 1 }] },
      { changes: [], touch: { lastSeenAt: Date.now(), expiresAt: Date.now() + 1000 } },
      { changes: [], userId: 'user-gone' },
      { changes: [{ kind: 'set' as const, key: 'a', value: 2, expectedVersion: 0 }] },
    ]
    for (const write of writes) {
      expect(await rejectionOf(store.update(record.idHash, write))).toBeInstanceOf(SessionGoneError)
    }
    expect(await bed.admin.exists(key(record.idHash))).toBe(0)
    expect(await bed.admin.exists('ls:u:user-gone')).toBe(0)
  })

  test('a stale set throws SessionConflictError naming only the moved key and writes nothing', async () => {
    const record = sessionRecord({ data: { a: 'old', b: 'old' } })
    await store.create(record)
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 'first', expectedVersion: 0 }] })
    const before = await bed.admin.hgetall(key(record.idHash))

    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [
          { kind: 'set', key: 'a', value: 'second', expectedVersion: 0 },
          { kind: 'set', key: 'b', value: 'second', expectedVersion: 0 },
          { kind: 'increment', key: 'n', by: 1 },
        ],
        touch: { lastSeenAt: Date.now() + 5, expiresAt: Date.now() + 7_200_000 },
        userId: 'someone',
      }),
    )
    expect(error).toBeInstanceOf(SessionConflictError)
    expect((error as SessionConflictError).keys).toEqual(['a'])
    expect((error as SessionConflictError).statusCode).toBe(409)
    expect(await bed.admin.hgetall(key(record.idHash))).toEqual(before)
    expect(await bed.admin.exists('ls:u:someone')).toBe(0)
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

  test('increment and append on a value of another type conflict, and nothing is written', async () => {
    const record = sessionRecord({ data: { word: 'abc', list: [1], obj: { a: 1 }, nothing: null, n: 1 } })
    await store.create(record)
    const before = await bed.admin.hgetall(key(record.idHash))
    for (const change of [
      { kind: 'increment' as const, key: 'word', by: 1 },
      { kind: 'increment' as const, key: 'list', by: 1 },
      { kind: 'increment' as const, key: 'nothing', by: 1 },
      { kind: 'append' as const, key: 'obj', values: [2] },
      { kind: 'append' as const, key: 'n', values: [2] },
      { kind: 'append' as const, key: 'word', values: [2] },
    ]) {
      const error = await rejectionOf(
        store.update(record.idHash, { changes: [{ kind: 'increment', key: 'ok', by: 1 }, change] }),
      )
      expect(error).toBeInstanceOf(SessionConflictError)
      expect((error as SessionConflictError).keys).toEqual([change.key])
    }
    expect(await bed.admin.hgetall(key(record.idHash))).toEqual(before)
  })

  test('increment adds doubles exactly as JavaScript does, and append keeps every value as given', async () => {
    const record = sessionRecord({ data: { f: 0.1, big: 2 ** 53 - 2, list: [{ a: 'é"\\' }] } })
    await store.create(record)
    await store.update(record.idHash, {
      changes: [
        { kind: 'increment', key: 'f', by: 0.2 },
        { kind: 'increment', key: 'big', by: 1 },
        { kind: 'increment', key: 'tiny', by: 1.5e-7 },
        { kind: 'increment', key: 'neg', by: -3 },
        { kind: 'append', key: 'list', values: [null, [], { '': 0 }, 1e21, '🍪'] },
      ],
    })
    const data = (await store.load(record.idHash))?.data
    expect(data?.f).toBe(0.1 + 0.2)
    expect(data?.big).toBe(2 ** 53 - 1)
    expect(data?.tiny).toBe(1.5e-7)
    expect(data?.neg).toBe(-3)
    expect(data?.list).toEqual([{ a: 'é"\\' }, null, [], { '': 0 }, 1e21, '🍪'])
    expect(await bed.admin.hget(key(record.idHash), 'd:f')).toBe('0.30000000000000004')
  })

  test('an increment past the largest double is a TypeError and writes nothing', async () => {
    const record = sessionRecord({ data: { n: Number.MAX_VALUE } })
    await store.create(record)
    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [
          { kind: 'set', key: 'other', value: 1, expectedVersion: 0 },
          { kind: 'increment', key: 'n', by: Number.MAX_VALUE },
        ],
      }),
    )
    expect(error).toBeInstanceOf(TypeError)
    expect((await store.load(record.idHash))?.data).toEqual({ n: Number.MAX_VALUE })
  })

  test('touch moves lastSeenAt, expiresAt and the key expiry', async () => {
    const record = sessionRecord({ userId: 'user-touch' })
    await store.create(record)
    const expiresAt = record.expiresAt + 90_000_000.5
    await store.update(record.idHash, { changes: [], touch: { lastSeenAt: record.lastSeenAt + 60_000, expiresAt } })
    expect(await store.load(record.idHash)).toMatchObject({ lastSeenAt: record.lastSeenAt + 60_000, expiresAt })
    expect(await bed.admin.call('PEXPIRETIME', key(record.idHash))).toBe(Math.ceil(expiresAt))
    // The user index outlives the session it indexes.
    expect(Number(await bed.admin.call('PEXPIRETIME', 'ls:u:user-touch'))).toBeGreaterThanOrEqual(
      Math.ceil(expiresAt) - 50,
    )
  })

  test('userId is set by a string (moving the session between user sets) and removed by null', async () => {
    const record = sessionRecord()
    await store.create(record)
    await store.update(record.idHash, { changes: [], userId: 'user-2' })
    expect((await store.load(record.idHash))?.userId).toBe('user-2')
    expect(await bed.admin.smembers('ls:u:user-2')).toEqual([key(record.idHash)])
    await store.update(record.idHash, { changes: [], userId: 'user-3' })
    expect(await bed.admin.exists('ls:u:user-2')).toBe(0)
    expect(await bed.admin.smembers('ls:u:user-3')).toEqual([key(record.idHash)])
    await store.update(record.idHash, { changes: [], userId: null })
    expect(await bed.admin.hgetall(key(record.idHash))).not.toHaveProperty('userId')
    expect(await store.load(record.idHash)).not.toHaveProperty('userId')
    expect(await bed.admin.exists('ls:u:user-3')).toBe(0)
  })

  test('keys that look like field names, Lua or JSON are stored verbatim', async () => {
    const record = sessionRecord()
    await store.create(record)
    const keys = ['d:x', 'v:x', 'createdAt', 'userKey', '__proto__', "'); redis.call('FLUSHALL') --", 'ümlaut 🍪', ' ']
    await store.update(record.idHash, {
      changes: keys.map((name, index) => ({ kind: 'set' as const, key: name, value: index, expectedVersion: 0 })),
    })
    const loaded = await store.load(record.idHash)
    expect(Object.keys(loaded?.data ?? {}).sort()).toEqual([...keys].sort())
    keys.forEach((name, index) => {
      expect(Object.getOwnPropertyDescriptor(loaded?.data, name)?.value).toBe(index)
    })
    expect(loaded?.createdAt).toBe(record.createdAt)
  })

  test('one change per key, and no bad values, before any request', async () => {
    const idHash = newIdHash()
    const bad = [
      {
        changes: [
          { kind: 'increment' as const, key: 'a', by: 1 },
          { kind: 'increment' as const, key: 'a', by: 1 },
        ],
      },
      { changes: [{ kind: 'increment' as const, key: 'a', by: Number.POSITIVE_INFINITY }] },
      { changes: [{ kind: 'set' as const, key: 'a', value: () => 1, expectedVersion: 0 }] },
      { changes: [{ kind: 'set' as const, key: 'a', value: 1, expectedVersion: -1 }] },
      { changes: [], userId: '' },
    ]
    for (const update of bad) expect(await rejectionOf(store.update(idHash, update))).toBeInstanceOf(TypeError)
    expect(bed.commands.total()).toBe(0)
  })
})
