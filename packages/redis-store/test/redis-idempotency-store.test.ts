import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { type IdempotencyRecord, IdempotencyStatus, type Logger } from '@lambda-session/core'
import { MALFORMED_RECORD_LOCK_MS, RedisIdempotencyStore } from '@lambda-session/redis-store'
import { ManualClock } from '@lambda-session/testing'
import type { Redis } from 'ioredis'
import { connectClient, createRedisTestbed, type RedisTestbed, rejectionOf } from './helpers.js'
import { inProgressRecord, newKeyHash, newLockToken } from './idempotency-helpers.js'

let bed: RedisTestbed
let store: RedisIdempotencyStore
// A fixed, future start: the keys' native expiry never races the records, and `now` is always the store's argument.
const clock = new ManualClock(Date.UTC(2031, 0, 1))
const key = (keyHash: string) => `ls:i:${keyHash}`
const stored = (keyHash: string) => bed.admin.hgetall(key(keyHash))

beforeAll(async () => {
  bed = await createRedisTestbed()
  store = new RedisIdempotencyStore({ client: bed.client })
})
afterAll(() => bed.close())
beforeEach(() => {
  bed.commands.reset()
  clock.advance(60_000) // every test on its own minute
})

/** What `acquire` must report when it loses to `record`. */
function lostTo(record: IdempotencyRecord) {
  return { acquired: false, existing: record }
}

describe('round trips', () => {
  test('acquire, complete and release are one EVALSHA each, whether acquire wins or loses', async () => {
    const now = clock.now()
    const record = inProgressRecord(now)
    expect(await store.acquire(record, now)).toEqual({ acquired: true })
    expect(bed.commands.counts).toEqual({ evalsha: 1 })

    bed.commands.reset()
    expect(await store.acquire(inProgressRecord(now, { keyHash: record.keyHash }), now)).toEqual(lostTo(record))
    expect(bed.commands.counts).toEqual({ evalsha: 1 })

    bed.commands.reset()
    expect(await store.complete(record.keyHash, record.lockToken, '{"statusCode":200}', now + 1000)).toBe(true)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })

    const other = inProgressRecord(now)
    await store.acquire(other, now)
    bed.commands.reset()
    expect(await store.release(other.keyHash, other.lockToken)).toBe(true)
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
  })

  test('a replay is one call that returns the completed record, response included', async () => {
    const now = clock.now()
    const record = inProgressRecord(now)
    await store.acquire(record, now)
    await store.complete(record.keyHash, record.lockToken, '{"body":"done"}', record.expiresAt)
    bed.commands.reset()
    const replay = await store.acquire(inProgressRecord(now + 10, { keyHash: record.keyHash }), now + 10)
    expect(replay).toEqual(lostTo({ ...record, status: IdempotencyStatus.Completed, response: '{"body":"done"}' }))
    expect(bed.commands.total()).toBe(1)
  })
})

describe('acquire', () => {
  test('30 concurrent acquires of one key over 10 connections: exactly one wins, the 29 others get its record', async () => {
    const clients: Redis[] = await Promise.all(Array.from({ length: 10 }, () => connectClient(bed.server)))
    try {
      const stores = clients.map((client) => new RedisIdempotencyStore({ client }))
      const now = clock.now()
      const keyHash = newKeyHash()
      const attempts = Array.from({ length: 30 }, () => inProgressRecord(now, { keyHash }))
      const results = await Promise.all(
        attempts.map((attempt, index) => stores[index % stores.length]?.acquire(attempt, now)),
      )
      const winners = attempts.filter((_attempt, index) => results[index]?.acquired)
      expect(winners).toHaveLength(1)
      const winner = winners[0] as IdempotencyRecord
      for (const result of results) if (result && !result.acquired) expect(result.existing).toEqual(winner)
      expect((await stored(keyHash)).lockToken).toBe(winner.lockToken)
    } finally {
      for (const client of clients) client.disconnect()
    }
  })

  test('a live lock holds until lockExpiresAt; just after, a new request takes the key', async () => {
    const start = clock.now()
    const first = inProgressRecord(start, {}, { lockMs: 1000 })
    await store.acquire(first, start)
    const second = (now: number) => inProgressRecord(now, { keyHash: first.keyHash })
    expect(await store.acquire(second(start + 999), start + 999)).toEqual(lostTo(first))
    expect(await store.acquire(second(start + 1000), start + 1000)).toEqual(lostTo(first))
    const taker = second(start + 1001)
    expect(await store.acquire(taker, start + 1001)).toEqual({ acquired: true })
    expect((await stored(first.keyHash)).lockToken).toBe(taker.lockToken)
  })

  test('a lapsed lock taken over: the old token can neither complete nor release, and the new record stays intact', async () => {
    const start = clock.now()
    const old = inProgressRecord(start, {}, { lockMs: 1000 })
    await store.acquire(old, start)
    const later = start + 1500
    const taker = inProgressRecord(later, { keyHash: old.keyHash })
    expect(await store.acquire(taker, later)).toEqual({ acquired: true })
    const before = await stored(old.keyHash)

    expect(await store.complete(old.keyHash, old.lockToken, '"stale"', later + 5000)).toBe(false)
    expect(await store.release(old.keyHash, old.lockToken)).toBe(false)
    expect(await stored(old.keyHash)).toEqual(before)
    expect(before).toMatchObject({ status: 'IN_PROGRESS', lockToken: taker.lockToken })
    expect(before).not.toHaveProperty('response')

    expect(await store.complete(taker.keyHash, taker.lockToken, '"fresh"', later + 5000)).toBe(true)
    const replay = await store.acquire(inProgressRecord(later, { keyHash: old.keyHash }), later)
    expect(replay).toMatchObject({ acquired: false, existing: { response: '"fresh"', lockToken: taker.lockToken } })
  })

  test('a completed record is never taken over while unexpired, even long after its lock lapsed', async () => {
    const start = clock.now()
    const record = inProgressRecord(start, {}, { lockMs: 1000, ttlMs: 10_000 })
    await store.acquire(record, start)
    await store.complete(record.keyHash, record.lockToken, 'r', record.expiresAt)
    const now = start + 9_999
    const result = await store.acquire(inProgressRecord(now, { keyHash: record.keyHash }), now)
    expect(result).toEqual(lostTo({ ...record, status: IdempotencyStatus.Completed, response: 'r' }))
  })

  test('an expired completed record is re-acquired, and the new record carries no old response', async () => {
    const start = clock.now()
    const record = inProgressRecord(start, {}, { ttlMs: 2000 })
    await store.acquire(record, start)
    await store.complete(record.keyHash, record.lockToken, '{"old":true}', start + 2000)
    const atExpiry = await store.acquire(inProgressRecord(start + 2000, { keyHash: record.keyHash }), start + 2000)
    expect(atExpiry).toMatchObject({ acquired: false, existing: { response: '{"old":true}' } })
    const now = start + 2001
    const fresh = inProgressRecord(now, { keyHash: record.keyHash })
    expect(await store.acquire(fresh, now)).toEqual({ acquired: true })
    expect(await stored(record.keyHash)).toEqual({
      status: 'IN_PROGRESS',
      fingerprint: fresh.fingerprint,
      lockToken: fresh.lockToken,
      lockExpiresAt: String(fresh.lockExpiresAt),
      expiresAt: String(fresh.expiresAt),
    })
    expect(await bed.admin.call('PEXPIRETIME', key(record.keyHash))).toBe(fresh.expiresAt)
  })

  test('an acquire resent after its answer was lost finds its own lock and reports it acquired', async () => {
    const now = clock.now()
    const record = inProgressRecord(now)
    expect(await store.acquire(record, now)).toEqual({ acquired: true })
    expect(await store.acquire(record, now + 5)).toEqual({ acquired: true })
  })

  test('refuses a record that is not in progress, and bad input, before any request', async () => {
    const now = clock.now()
    const completed = { ...inProgressRecord(now), status: IdempotencyStatus.Completed, response: 'x' }
    expect(await rejectionOf(store.acquire(completed, now))).toBeInstanceOf(TypeError)
    expect(await rejectionOf(store.acquire(inProgressRecord(now, { keyHash: '' }), now))).toBeInstanceOf(TypeError)
    expect(await rejectionOf(store.acquire(inProgressRecord(now), Number.NaN))).toBeInstanceOf(TypeError)
    expect(await rejectionOf(store.complete(newKeyHash(), '', 'x', now))).toBeInstanceOf(TypeError)
    expect(await rejectionOf(store.release('', newLockToken()))).toBeInstanceOf(TypeError)
    expect(bed.commands.total()).toBe(0)
  })
})

describe('complete and release', () => {
  test('complete stores status, response and expiresAt, expires the key natively, and only once', async () => {
    const now = clock.now()
    const record = inProgressRecord(now)
    await store.acquire(record, now)
    const expiresAt = now + 86_400_000.5
    expect(await store.complete(record.keyHash, record.lockToken, '{"n":1}', expiresAt)).toBe(true)
    expect(await stored(record.keyHash)).toEqual({
      status: 'COMPLETED',
      fingerprint: record.fingerprint,
      lockToken: record.lockToken,
      lockExpiresAt: String(record.lockExpiresAt),
      expiresAt: String(expiresAt),
      response: '{"n":1}',
    })
    expect(await bed.admin.call('PEXPIRETIME', key(record.keyHash))).toBe(Math.ceil(expiresAt))

    // Completed: the holder's token no longer completes or releases anything.
    expect(await store.complete(record.keyHash, record.lockToken, '{"n":2}', expiresAt + 1)).toBe(false)
    expect(await store.release(record.keyHash, record.lockToken)).toBe(false)
    expect((await stored(record.keyHash)).response).toBe('{"n":1}')
  })

  test('complete on a missing record is false and creates nothing', async () => {
    const keyHash = newKeyHash()
    expect(await store.complete(keyHash, newLockToken(), '{}', clock.now() + 1000)).toBe(false)
    expect(await bed.admin.exists(key(keyHash))).toBe(0)
  })

  test('release with a wrong token is false and leaves the record; with the right one it deletes it', async () => {
    const now = clock.now()
    const record = inProgressRecord(now)
    await store.acquire(record, now)
    const before = await stored(record.keyHash)
    expect(await store.release(record.keyHash, newLockToken())).toBe(false)
    expect(await stored(record.keyHash)).toEqual(before)
    expect(await store.release(record.keyHash, record.lockToken)).toBe(true)
    expect(await bed.admin.exists(key(record.keyHash))).toBe(0)
    expect(await store.release(record.keyHash, record.lockToken)).toBe(false)
    // Released: the next request takes the key at once.
    expect(await store.acquire(inProgressRecord(now, { keyHash: record.keyHash }), now)).toEqual({ acquired: true })
  })

  test('the stored response text comes back byte-identical', async () => {
    const text = JSON.stringify({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'Zoë 日本語 🔑', quote: '"\\\n\t', nul: '\u0000', escaped: '\ud83d' }),
    })
    const raw = `  ${text}\u2028é\u0301 \r\n` // not even JSON: the store keeps text as it is
    for (const response of [text, raw, '']) {
      const now = clock.now()
      const record = inProgressRecord(now)
      await store.acquire(record, now)
      await store.complete(record.keyHash, record.lockToken, response, record.expiresAt)
      const replay = await store.acquire(inProgressRecord(now, { keyHash: record.keyHash }), now)
      const replayed = replay.acquired ? undefined : replay.existing.response
      expect(Buffer.from(replayed as string)).toEqual(Buffer.from(response))
      expect(replayed).toBe(response)
    }
  })
})

describe('malformed records', () => {
  function spyLogger() {
    return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
  }

  test('a malformed live record is answered as a short in-progress lock with the caller’s fingerprint, and left alone', async () => {
    const logger = spyLogger()
    const watched = new RedisIdempotencyStore({ client: bed.client, logger })
    const now = clock.now()
    const keyHash = newKeyHash()
    await bed.admin.hset(key(keyHash), { status: 'DONE?', lockExpiresAt: now - 1, expiresAt: now + 60_000 })
    const attempt = inProgressRecord(now, { keyHash })
    bed.commands.reset()
    expect(await watched.acquire(attempt, now)).toEqual({
      acquired: false,
      existing: {
        keyHash,
        status: IdempotencyStatus.InProgress,
        fingerprint: attempt.fingerprint,
        lockToken: '',
        lockExpiresAt: now + MALFORMED_RECORD_LOCK_MS,
        expiresAt: now + MALFORMED_RECORD_LOCK_MS,
      },
    })
    expect(bed.commands.counts).toEqual({ evalsha: 1 })
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('malformed'), { reason: 'unknown status' })
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(keyHash)
    expect((await stored(keyHash)).status).toBe('DONE?')
  })

  test('a completed record without its response is malformed too; once its expiresAt passes the key is free', async () => {
    const logger = spyLogger()
    const watched = new RedisIdempotencyStore({ client: bed.client, logger })
    const now = clock.now()
    const record = inProgressRecord(now, {}, { ttlMs: 5000 })
    await watched.acquire(record, now)
    await bed.admin.hset(key(record.keyHash), 'status', 'COMPLETED')
    const attempt = inProgressRecord(now + 1, { keyHash: record.keyHash, fingerprint: 'other' })
    const blocked = await watched.acquire(attempt, now + 1)
    expect(blocked).toMatchObject({
      acquired: false,
      existing: { status: 'IN_PROGRESS', fingerprint: 'other', lockExpiresAt: now + 1 + MALFORMED_RECORD_LOCK_MS },
    })
    expect(blocked.acquired ? undefined : blocked.existing).not.toHaveProperty('response')
    expect(logger.warn).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ reason: 'completed without a response' }),
    )
    const later = record.expiresAt + 1
    expect(await watched.acquire(inProgressRecord(later, { keyHash: record.keyHash }), later)).toEqual({
      acquired: true,
    })
  })

  test('a record without a readable expiry blocks its key (a 409) rather than risk a second run', async () => {
    const now = clock.now()
    const keyHash = newKeyHash()
    await bed.admin.hset(key(keyHash), { status: 'IN_PROGRESS', lockToken: 't', expiresAt: 'soon' })
    const result = await store.acquire(inProgressRecord(now, { keyHash }), now + 10 ** 9)
    expect(result.acquired).toBe(false)
  })
})
