import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { LambdaSessionError, SessionGoneError } from '@lambda-session/core'
import { RedisSessionStore } from '@lambda-session/redis-store'
import {
  connectClient,
  createRedisTestbed,
  newIdHash,
  preloadScripts,
  type RedisTestbed,
  rejectionOf,
  sessionRecord,
} from './helpers.js'

let bed: RedisTestbed
let store: RedisSessionStore
const key = (idHash: string) => `ls:s:${idHash}`

beforeAll(async () => {
  bed = await createRedisTestbed()
  store = new RedisSessionStore({ client: bed.client })
})
beforeEach(() => bed.commands.reset())
afterAll(() => bed.close())

describe('round trips', () => {
  test('load is one HGETALL; create, update, replace and destroy one EVALSHA each', async () => {
    const record = sessionRecord({ data: { cart: [] } })
    await store.create(record)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })

    bed.commands.reset()
    expect(await store.load(record.idHash)).toEqual(record)
    expect(bed.commands.counts).toEqual({ hgetall: 1 })

    bed.commands.reset()
    await store.update(record.idHash, {
      changes: [
        { kind: 'set', key: 'theme', value: 'dark', expectedVersion: 0 },
        { kind: 'increment', key: 'views', by: 2 },
        { kind: 'append', key: 'cart', values: [{ sku: 'A1', qty: 1 }] },
        { kind: 'delete', key: 'none', expectedVersion: 0 },
      ],
      touch: { lastSeenAt: record.lastSeenAt + 1, expiresAt: record.expiresAt + 1 },
      userId: 'user-1',
    })
    expect(bed.commands.counts).toEqual({ evalsha: 1 })

    bed.commands.reset()
    const replacement = sessionRecord({ data: { moved: true }, userId: 'user-1' })
    await store.replace(record.idHash, replacement)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })

    bed.commands.reset()
    await store.destroy(replacement.idHash)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
  })

  test('an update with nothing to do sends nothing', async () => {
    await store.update(newIdHash(), { changes: [] })
    await store.update(newIdHash(), { changes: [{ kind: 'append', key: 'cart', values: [] }] })
    expect(bed.commands.total()).toBe(0)
  })

  test('a server without the cached script (restart, failover) costs one EVAL, then EVALSHA again', async () => {
    const record = sessionRecord()
    await store.create(record)
    await bed.admin.script('FLUSH')
    bed.commands.reset()
    await store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] })
    expect(bed.commands.counts).toEqual({ evalsha: 1, eval: 1 })
    bed.commands.reset()
    await store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] })
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
    expect((await store.load(record.idHash))?.data.n).toBe(2)
    await preloadScripts(bed.admin)
  })

  test('a missing session loads as undefined', async () => {
    expect(await store.load(newIdHash())).toBeUndefined()
  })
})

describe('create', () => {
  test('refuses to overwrite an existing session', async () => {
    const record = sessionRecord({ data: { owner: 'first' } })
    await store.create(record)
    const error = await rejectionOf(store.create({ ...record, data: { owner: 'second' } }))
    expect(error).toBeInstanceOf(LambdaSessionError)
    expect((error as LambdaSessionError).statusCode).toBe(409)
    expect((await store.load(record.idHash))?.data).toEqual({ owner: 'first' })
  })

  test('stores the documented layout and expires the key natively at expiresAt', async () => {
    const expiresAt = Date.now() + 600_000.4
    const record = sessionRecord({ data: { n: 1, s: 'x' }, versions: { n: 3, gone: 2 }, userId: 'user-9', expiresAt })
    await store.create(record)
    expect(await bed.admin.hgetall(key(record.idHash))).toEqual({
      createdAt: String(record.createdAt),
      lastSeenAt: String(record.lastSeenAt),
      expiresAt: String(expiresAt),
      userId: 'user-9',
      userKey: 'ls:u:user-9',
      'd:n': '1',
      'd:s': '"x"',
      'v:n': '3',
      'v:gone': '2',
    })
    expect(await bed.admin.call('PEXPIRETIME', key(record.idHash))).toBe(Math.ceil(expiresAt))
    expect(await bed.admin.smembers('ls:u:user-9')).toContain(key(record.idHash))
    const setExpiry = Number(await bed.admin.call('PEXPIRETIME', 'ls:u:user-9'))
    expect(setExpiry).toBeGreaterThanOrEqual(Math.ceil(expiresAt) - 50)
  })

  test('a session is gone from Redis once expiresAt passes, without any clean-up job', async () => {
    const record = sessionRecord({ expiresAt: Date.now() + 1000 })
    await store.create(record)
    expect(await store.load(record.idHash)).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, record.expiresAt + 50 - Date.now()))
    expect(await store.load(record.idHash)).toBeUndefined()
    expect(await bed.admin.exists(key(record.idHash))).toBe(0)
  })

  test('values and keys the store can not keep faithfully are a TypeError before any request', async () => {
    const bad = [
      sessionRecord({ data: { n: Number.NaN } }),
      sessionRecord({ data: { big: 1n } }),
      sessionRecord({ data: { '': 1 } }),
      sessionRecord({ data: { '\ud83d': 1 } }),
      sessionRecord({ versions: { k: -1 } }),
      sessionRecord({ userId: '' }),
      sessionRecord({ expiresAt: Number.POSITIVE_INFINITY }),
    ]
    for (const record of bad) expect(await rejectionOf(store.create(record))).toBeInstanceOf(TypeError)
    expect(bed.commands.total()).toBe(0)
  })
})

describe('replace', () => {
  test('moves the session to the new id hash, retires the old one and moves the user index entry', async () => {
    const old = sessionRecord({ data: { cart: ['A1'] }, userId: 'user-r' })
    await store.create(old)
    const next = sessionRecord({ data: { cart: ['A1'] }, versions: { cart: 1 }, userId: 'user-r' })
    await store.replace(old.idHash, next)
    expect(await store.load(old.idHash)).toBeUndefined()
    expect(await store.load(next.idHash)).toEqual(next)
    expect(await bed.admin.smembers('ls:u:user-r')).toEqual([key(next.idHash)])
  })

  test('throws SessionGoneError when the old session is gone, and writes nothing', async () => {
    const old = sessionRecord()
    await store.create(old)
    await store.destroy(old.idHash)
    const next = sessionRecord({ userId: 'user-never' })
    expect(await rejectionOf(store.replace(old.idHash, next))).toBeInstanceOf(SessionGoneError)
    expect(await bed.admin.exists(key(next.idHash), 'ls:u:user-never')).toBe(0)
  })

  test('of two concurrent regenerations exactly one wins', async () => {
    const old = sessionRecord()
    await store.create(old)
    const [a, b] = [sessionRecord(), sessionRecord()]
    const results = await Promise.allSettled([store.replace(old.idHash, a), store.replace(old.idHash, b)])
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toBeInstanceOf(SessionGoneError)
    expect(await bed.admin.exists(key(a.idHash), key(b.idHash))).toBe(1)
  })

  test('refuses to overwrite an existing new id, and keeps the old session', async () => {
    const [old, taken] = [sessionRecord({ data: { mine: 1 } }), sessionRecord({ data: { theirs: 1 } })]
    await store.create(old)
    await store.create(taken)
    const error = await rejectionOf(store.replace(old.idHash, { ...taken, data: { stolen: 1 } }))
    expect((error as LambdaSessionError).statusCode).toBe(409)
    expect((await store.load(old.idHash))?.data).toEqual({ mine: 1 })
    expect((await store.load(taken.idHash))?.data).toEqual({ theirs: 1 })
  })
})

describe('destroy', () => {
  test('deletes the session and its user index entry; destroying a missing session is fine', async () => {
    const record = sessionRecord({ userId: 'user-d' })
    await store.create(record)
    await store.destroy(record.idHash)
    expect(await bed.admin.exists(key(record.idHash), 'ls:u:user-d')).toBe(0)
    await expect(store.destroy(record.idHash)).resolves.toBeUndefined()
  })

  test('destroyUserSessions deletes exactly that user’s sessions, across batches', async () => {
    const target = `user-${Date.now()}`
    const mine = Array.from({ length: 1201 }, () => sessionRecord({ userId: target }))
    const others = [sessionRecord({ userId: `${target}-other` }), sessionRecord(), sessionRecord({ userId: target })]
    for (const record of [...mine, ...others]) await store.create(record)
    // The last one leaves the user, so it must survive; another joins by update.
    await store.update(others[2]?.idHash as string, { changes: [], userId: null })
    const joined = sessionRecord()
    await store.create(joined)
    await store.update(joined.idHash, { changes: [], userId: target })

    bed.commands.reset()
    expect(await store.destroyUserSessions(target)).toBe(1202)
    expect(bed.commands.counts).toEqual({ evalsha: 3 }) // batches of 500
    for (const record of [...mine, joined]) expect(await bed.admin.exists(key(record.idHash))).toBe(0)
    for (const record of others) expect(await store.load(record.idHash)).toBeDefined()
    expect(await bed.admin.exists(`ls:u:${target}`)).toBe(0)
    expect(await store.destroyUserSessions(target)).toBe(0)
  })

  test('destroyUserSessions skips index entries of sessions that already ended', async () => {
    const [ended, live] = [sessionRecord({ userId: 'user-e' }), sessionRecord({ userId: 'user-e' })]
    await store.create(ended)
    await store.create(live)
    await bed.admin.del(key(ended.idHash)) // as if it had expired: its entry stays in the set
    expect(await store.destroyUserSessions('user-e')).toBe(1)
    expect(await bed.admin.exists(key(live.idHash), 'ls:u:user-e')).toBe(0)
  })
})

describe('keyPrefix', () => {
  test('a store with another prefix sees none of these sessions', async () => {
    const record = sessionRecord({ userId: 'user-p' })
    const other = new RedisSessionStore({ client: bed.client, keyPrefix: 'app2:' })
    await other.create(record)
    expect(await store.load(record.idHash)).toBeUndefined()
    expect(await other.load(record.idHash)).toEqual(record)
    expect(await bed.admin.exists(`app2:s:${record.idHash}`, 'app2:u:user-p')).toBe(2)
  })

  test("a client-side ioredis keyPrefix applies to every key, the user index's included", async () => {
    const tenant = await connectClient(bed.server, { keyPrefix: 'tenant:' })
    try {
      const tenantStore = new RedisSessionStore({ client: tenant })
      const [a, b] = [sessionRecord({ userId: 'user-t' }), sessionRecord()]
      await tenantStore.create(a)
      await tenantStore.create(b)
      await tenantStore.update(b.idHash, { changes: [], userId: 'user-t' })
      expect(await bed.admin.smembers('tenant:ls:u:user-t')).toEqual(
        expect.arrayContaining([`tenant:ls:s:${a.idHash}`, `tenant:ls:s:${b.idHash}`]),
      )
      expect(await tenantStore.destroyUserSessions('user-t')).toBe(2)
      expect(await bed.admin.exists(`tenant:ls:s:${a.idHash}`, `tenant:ls:s:${b.idHash}`)).toBe(0)
    } finally {
      tenant.disconnect()
    }
  })
})
