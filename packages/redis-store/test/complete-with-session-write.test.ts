import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import {
  IdempotencyStatus,
  LambdaSessionError,
  SessionGoneError,
  type SessionWrite,
  StoreUnavailableError,
} from '@lambda-session/core'
import { RedisIdempotencyStore, RedisSessionStore } from '@lambda-session/redis-store'
import { describeJointCommitConformance, ManualClock } from '@lambda-session/testing'
import {
  connectClient,
  createRedisTestbed,
  newIdHash,
  preloadScripts,
  type RedisTestbed,
  rejectionOf,
  sessionRecord,
} from './helpers.js'
import { inProgressRecord } from './idempotency-helpers.js'

// `completeWithSessionWrite`: a request's session change and its stored
// response in one Lua script, so they land together or not at all.
let bed: RedisTestbed
let sessions: RedisSessionStore
let store: RedisIdempotencyStore
const clock = new ManualClock(Date.UTC(2031, 5, 1))
const response = JSON.stringify({ statusCode: 201, body: 'ordered' })
const statusOf = async (keyHash: string) => bed.admin.hget(`ls:i:${keyHash}`, 'status')

beforeAll(async () => {
  bed = await createRedisTestbed()
  sessions = new RedisSessionStore({ client: bed.client })
  store = new RedisIdempotencyStore({ client: bed.client })
})
afterAll(() => bed.close())
beforeEach(() => {
  bed.commands.reset()
  clock.advance(60_000)
})

/** A stored session and a held lock, as the guard has them when the handler returns. */
async function sessionAndLock(userId?: string) {
  const record = sessionRecord({
    data: { orders: [] },
    versions: { orders: 1 },
    ...(userId ? { userId } : {}),
  })
  await sessions.create(record)
  const now = clock.now()
  const lock = inProgressRecord(now)
  await store.acquire(lock, now)
  bed.commands.reset()
  return { idHash: record.idHash, lock, expiresAt: now + 86_400_000 }
}

const appendOrder = (idHash: string, order: string): SessionWrite => ({
  kind: 'update',
  idHash,
  update: { changes: [{ kind: 'append', key: 'orders', values: [order] }] },
})

// The contract every joint commit keeps (shared with the DynamoDB stores);
// the tests below are Redis's own: script calls, cluster slots, failures.
describeJointCommitConformance('Redis stores on one client', {
  createStores: () => ({ store: { idempotency: store, sessions } }),
  clock: () => clock.now(),
})

describe('completeWithSessionWrite on Redis', () => {
  test('writes the session change and completes the record in one EVALSHA', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    const done = await store.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      response,
      expiresAt,
      sessions,
      appendOrder(idHash, 'o-1'),
    )
    expect(done).toBe(true)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
    expect((await sessions.load(idHash))?.data.orders).toEqual(['o-1'])
    expect(await bed.admin.hgetall(`ls:i:${lock.keyHash}`)).toMatchObject({
      status: IdempotencyStatus.Completed,
      response,
      expiresAt: String(expiresAt),
    })
    expect(await bed.admin.pexpiretime(`ls:i:${lock.keyHash}`)).toBe(expiresAt)
  })

  test('a lock taken over by another request is false: its record and the session stay as they were', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    // Our lock lapsed and another request took the key.
    const later = clock.now() + 10_000
    const next = inProgressRecord(later, { keyHash: lock.keyHash })
    await bed.admin.hset(`ls:i:${lock.keyHash}`, 'lockExpiresAt', String(clock.now() - 1))
    expect(await store.acquire(next, later)).toEqual({ acquired: true })
    const done = await store.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      response,
      expiresAt,
      sessions,
      appendOrder(idHash, 'o-3b'),
    )
    expect(done).toBe(false)
    expect((await sessions.load(idHash))?.data.orders).toEqual([])
    expect(await bed.admin.hgetall(`ls:i:${lock.keyHash}`)).toMatchObject({
      status: IdempotencyStatus.InProgress,
      lockToken: next.lockToken,
    })
  })

  test('creating a session whose key exists is the store’s "exists" 409; nothing written', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    const clash = sessionRecord({ idHash, data: { other: true }, versions: { other: 1 } })
    const error = await rejectionOf(
      store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, {
        kind: 'create',
        record: clash,
      }),
    )
    expect(error).toBeInstanceOf(LambdaSessionError)
    expect((error as LambdaSessionError).statusCode).toBe(409)
    expect(error.message).toMatch(/already exists/)
    expect((await sessions.load(idHash))?.data).toEqual({ orders: [] })
    expect(await statusOf(lock.keyHash)).toBe(IdempotencyStatus.InProgress)
  })

  test('a new session with an owner joins: written, indexed under its user, record completed', async () => {
    const now = clock.now()
    const lock = inProgressRecord(now)
    await store.acquire(lock, now)
    const record = sessionRecord({ data: { cart: ['A1'] }, versions: { cart: 1 }, userId: 'user-join' })
    bed.commands.reset()
    const done = await store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, now + 60_000, sessions, {
      kind: 'create',
      record,
    })
    expect(done).toBe(true)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
    expect(await sessions.load(record.idHash)).toEqual(record)
    expect(await bed.admin.smembers('ls:u:user-join')).toEqual([`ls:s:${record.idHash}`])
    expect(await statusOf(lock.keyHash)).toBe(IdempotencyStatus.Completed)
  })

  test('a regeneration that lost to another one is SessionGoneError: no new session, record in progress', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    await sessions.replace(idHash, sessionRecord()) // the other request regenerated first
    const fresh = sessionRecord()
    const error = await rejectionOf(
      store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, {
        kind: 'replace',
        oldIdHash: idHash,
        record: fresh,
      }),
    )
    expect(error).toBeInstanceOf(SessionGoneError)
    expect(await sessions.load(fresh.idHash)).toBeUndefined()
    expect(await statusOf(lock.keyHash)).toBe(IdempotencyStatus.InProgress)
  })

  test('an update that changes nothing is a plain completion', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    const done = await store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, {
      kind: 'update',
      idHash,
      update: { changes: [] },
    })
    expect(done).toBe(true)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
    expect(await statusOf(lock.keyHash)).toBe(IdempotencyStatus.Completed)
  })

  test('a write the session store would refuse is its TypeError, before anything is sent', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    const error = await rejectionOf(
      store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, {
        kind: 'replace',
        oldIdHash: idHash,
        record: sessionRecord({ idHash }),
      }),
    )
    expect(error).toBeInstanceOf(TypeError)
    expect(bed.commands.total()).toBe(0)
  })

  test('a session store on another client can’t join: undefined, and nothing is sent', async () => {
    const other = await connectClient(bed.server)
    try {
      const elsewhere = new RedisSessionStore({ client: other })
      const { idHash, lock, expiresAt } = await sessionAndLock()
      const done = await store.completeWithSessionWrite(
        lock.keyHash,
        lock.lockToken,
        response,
        expiresAt,
        elsewhere,
        appendOrder(idHash, 'o-5'),
      )
      expect(done).toBeUndefined()
      expect(bed.commands.total()).toBe(0)
      expect(await statusOf(lock.keyHash)).toBe(IdempotencyStatus.InProgress)
    } finally {
      other.disconnect()
    }
  })

  test('on a single server the prefixes may differ: both stores’ keys are on one node', async () => {
    const apart = new RedisSessionStore({ client: bed.client, keyPrefix: 'app-sessions:' })
    const record = sessionRecord({ data: { orders: [] }, versions: { orders: 1 } })
    await apart.create(record)
    const now = clock.now()
    const lock = inProgressRecord(now)
    await store.acquire(lock, now)
    bed.commands.reset()
    const done = await store.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      response,
      now + 60_000,
      apart,
      appendOrder(record.idHash, 'o-6'),
    )
    expect(done).toBe(true)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
    expect((await apart.load(record.idHash))?.data.orders).toEqual(['o-6'])
  })

  test('on a server that lost its script cache the commit falls back to EVAL once', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    await bed.admin.script('FLUSH')
    try {
      const done = await store.completeWithSessionWrite(
        lock.keyHash,
        lock.lockToken,
        response,
        expiresAt,
        sessions,
        appendOrder(idHash, 'o-7'),
      )
      expect(done).toBe(true)
      expect(bed.commands.counts).toEqual({ evalsha: 1, eval: 1 })
      expect((await sessions.load(idHash))?.data.orders).toEqual(['o-7'])
    } finally {
      await preloadScripts(bed.admin) // the other tests count one EVALSHA per call
    }
  })

  test('no answer from Redis is a StoreUnavailableError (503), within the store’s deadline', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    const client = await connectClient(bed.server)
    try {
      const slowSessions = new RedisSessionStore({ client })
      const slowStore = new RedisIdempotencyStore({ client, timeoutMs: 300 })
      // Hold the connection's queue: the commit waits behind a blocking command.
      void client.blpop(`ls:never:${newIdHash()}`, 5).catch(() => {})
      const error = await rejectionOf(
        slowStore.completeWithSessionWrite(
          lock.keyHash,
          lock.lockToken,
          response,
          expiresAt,
          slowSessions,
          appendOrder(idHash, 'o-8'),
        ),
      )
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect((error as StoreUnavailableError).statusCode).toBe(503)
    } finally {
      client.disconnect()
    }
  })
})
