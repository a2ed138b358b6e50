import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ConfigurationError, IdempotencyStatus } from '@lambda-session/core'
import { RedisIdempotencyStore, RedisSessionStore, redisClientDefaults } from '@lambda-session/redis-store'
import { Cluster, type Redis } from 'ioredis'
import { type RedisServer, startRedisServer } from '../src/testing/index.js'
import { connectClient, countCommands, newIdHash, rejectionOf, sessionRecord } from './helpers.js'
import { inProgressRecord } from './idempotency-helpers.js'

// A one-node Redis Cluster holding all 16384 slots: it enforces the
// cluster's rule (one script, one hash slot) exactly as ElastiCache's
// cluster mode and Serverless do.
let server: RedisServer
let node: Redis
let cluster: Cluster
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'))
  server = await startRedisServer({
    // A lone node reports an empty address in CLUSTER SLOTS unless told its own.
    extraArgs: ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--dir', dir],
  })
  node = await connectClient(server)
  await node.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  while (!String(await node.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  cluster = new Cluster([{ host: server.host, port: server.port }], { redisOptions: { ...redisClientDefaults } })
  await cluster.ping()
})
afterAll(async () => {
  cluster.disconnect()
  node.disconnect()
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('on a cluster client the stores need a hash-tagged keyPrefix', () => {
  expect(() => new RedisSessionStore({ client: cluster })).toThrow(ConfigurationError)
  expect(() => new RedisIdempotencyStore({ client: cluster, keyPrefix: 'app:' })).toThrow(/hash tag/)
})

test('with keyPrefix {ls}: every operation works on the cluster, the user index and regeneration included', async () => {
  const sessions = new RedisSessionStore({ client: cluster, keyPrefix: '{ls}:' })
  const record = sessionRecord({ data: { cart: [] }, userId: 'user-c' })
  await sessions.create(record)
  await sessions.update(record.idHash, {
    changes: [{ kind: 'append', key: 'cart', values: ['A1'] }],
    touch: { lastSeenAt: Date.now(), expiresAt: Date.now() + 3_600_000 },
    userId: 'user-d',
  })
  const next = sessionRecord({ data: { cart: ['A1'] }, userId: 'user-d' })
  await sessions.replace(record.idHash, next)
  await sessions.create(sessionRecord({ userId: 'user-d' }))
  expect(await sessions.load(record.idHash)).toBeUndefined()
  expect(await sessions.load(next.idHash)).toEqual(next)
  expect(await sessions.destroyUserSessions('user-d')).toBe(2)
  expect(await sessions.load(next.idHash)).toBeUndefined()

  const idempotency = new RedisIdempotencyStore({ client: cluster, keyPrefix: '{ls}:' })
  const now = Date.now()
  const lock = inProgressRecord(now)
  expect(await idempotency.acquire(lock, now)).toEqual({ acquired: true })
  expect(await idempotency.complete(lock.keyHash, lock.lockToken, 'done', lock.expiresAt)).toBe(true)
  expect(await idempotency.acquire(inProgressRecord(now, { keyHash: lock.keyHash }), now)).toMatchObject({
    acquired: false,
    existing: { status: IdempotencyStatus.Completed, response: 'done' },
  })
})

test('without a hash tag the cluster refuses multi-key scripts (CROSSSLOT): a ConfigurationError that says what to do', async () => {
  // A plain client talking to the cluster node: the constructor can't tell it is a cluster.
  const sessions = new RedisSessionStore({ client: node })
  const error = await rejectionOf(sessions.replace(newIdHash(), sessionRecord()))
  expect(error).toBeInstanceOf(ConfigurationError)
  expect(error.message).toMatch(/CROSSSLOT.*hash tag/)
})

describe('the joint commit (completeWithSessionWrite) on a cluster', () => {
  const appendOrder = (idHash: string) => ({
    kind: 'update' as const,
    idHash,
    update: { changes: [{ kind: 'append' as const, key: 'orders', values: ['o-1'] }] },
  })

  async function sessionAndLock(sessions: RedisSessionStore, idempotency: RedisIdempotencyStore) {
    const record = sessionRecord({ data: { orders: [] }, versions: { orders: 1 } })
    await sessions.create(record)
    const now = Date.now()
    const lock = inProgressRecord(now)
    await idempotency.acquire(lock, now)
    return { idHash: record.idHash, lock }
  }

  test('joins when both prefixes carry the same hash tag: every key is in one slot', async () => {
    const sessions = new RedisSessionStore({ client: cluster, keyPrefix: '{ls}:' })
    const idempotency = new RedisIdempotencyStore({ client: cluster, keyPrefix: '{ls}:idem:' })
    const { idHash, lock } = await sessionAndLock(sessions, idempotency)
    const done = await idempotency.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      'done',
      lock.expiresAt,
      sessions,
      appendOrder(idHash),
    )
    expect(done).toBe(true)
    expect((await sessions.load(idHash))?.data.orders).toEqual(['o-1'])
    expect(await node.hget(`{ls}:idem:i:${lock.keyHash}`, 'status')).toBe(IdempotencyStatus.Completed)
  })

  test('with different hash tags it can’t join: undefined before anything is sent (the guard commits in two steps)', async () => {
    const sessions = new RedisSessionStore({ client: cluster, keyPrefix: '{sessions}:' })
    const idempotency = new RedisIdempotencyStore({ client: cluster, keyPrefix: '{idem}:' })
    const { idHash, lock } = await sessionAndLock(sessions, idempotency)
    const commands = countCommands(cluster as unknown as Redis)
    const done = await idempotency.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      'done',
      lock.expiresAt,
      sessions,
      appendOrder(idHash),
    )
    expect(done).toBeUndefined()
    expect(commands.total()).toBe(0)
    expect((await sessions.load(idHash))?.data.orders).toEqual([])
    expect(commands.counts).toEqual({ hgetall: 1 }) // the counter does see the cluster's commands
    expect(await node.hget(`{idem}:i:${lock.keyHash}`, 'status')).toBe(IdempotencyStatus.InProgress)
  })
  test('a plain client pointed at a cluster without a shared hash tag gets CROSSSLOT: a ConfigurationError, nothing written', async () => {
    // The plain client can't be told from a single server, so the store tries; the cluster refuses before running the script.
    const sessions = new RedisSessionStore({ client: node })
    const idempotency = new RedisIdempotencyStore({ client: node })
    const { idHash, lock } = await sessionAndLock(sessions, idempotency)
    const error = await rejectionOf(
      idempotency.completeWithSessionWrite(
        lock.keyHash,
        lock.lockToken,
        'done',
        lock.expiresAt,
        sessions,
        appendOrder(idHash),
      ),
    )
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error.message).toMatch(/CROSSSLOT.*hash tag/)
    expect((await sessions.load(idHash))?.data.orders).toEqual([])
    expect(await node.hget(`ls:i:${lock.keyHash}`, 'status')).toBe(IdempotencyStatus.InProgress)
  })
})
