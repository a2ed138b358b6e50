import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { IdempotencyStatus, SessionConflictError, SessionGoneError } from '@lambda-session/core'
import {
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
} from '@lambda-session/dynamodb-store'
import { ManualClock, trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, newIdHash, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'
import { inProgressRecord, storedItem } from './idempotency-helpers.js'

// `completeWithSessionWrite`: a request's session change and its stored
// response in one transaction, so they land together or not at all.
const client = localClient()
const sessionTable = uniqueTableName('commit-sessions')
const idempotencyTable = uniqueTableName('commit-idem')
const sessions = new DynamoDBSessionStore({ client, tableName: sessionTable })
const store = new DynamoDBIdempotencyStore({ client, tableName: idempotencyTable })
const calls = trackDynamoDBCalls(client)
const clock = new ManualClock(Date.UTC(2031, 5, 1))
const response = JSON.stringify({ statusCode: 201, body: 'ordered' })

beforeAll(async () => {
  await ensureSessionTable({ client, tableName: sessionTable })
  await ensureIdempotencyTable({ client, tableName: idempotencyTable })
})
afterAll(() => client.destroy())
beforeEach(() => {
  calls.reset()
  clock.advance(60_000)
})

/** A stored session and a held lock, as the guard has them when the handler returns. */
async function sessionAndLock(lockToken: string) {
  const record = sessionRecord({ idHash: newIdHash(), data: { orders: [] }, versions: { orders: 1 } })
  await sessions.create(record)
  const now = clock.now()
  const lock = inProgressRecord(now, { lockToken })
  await store.acquire(lock, now)
  calls.reset()
  return { idHash: record.idHash, lock, expiresAt: now + 86_400_000 }
}

const appendOrder = (idHash: string, order: string) => ({
  kind: 'update' as const,
  idHash,
  update: { changes: [{ kind: 'append' as const, key: 'orders', values: [order] }] },
})

describe('completeWithSessionWrite', () => {
  test('writes the session change and completes the record in one TransactWriteItems', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
    const done = await store.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      response,
      expiresAt,
      sessions,
      appendOrder(idHash, 'o-1'),
    )
    expect(done).toBe(true)
    expect(calls.counts).toEqual({ TransactWriteItemsCommand: 1 })
    expect((await sessions.load(idHash))?.data.orders).toEqual(['o-1'])
    expect((await storedItem(client, idempotencyTable, lock.keyHash))?.status).toBe(IdempotencyStatus.Completed)
  })

  test('the same transaction sent twice (an answer lost, the store resends) applies once and answers true both times', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
    const write = appendOrder(idHash, 'o-2')
    const args = [lock.keyHash, lock.lockToken, response, expiresAt, sessions, write] as const
    expect(await store.completeWithSessionWrite(...args)).toBe(true)
    expect(await store.completeWithSessionWrite(...args)).toBe(true)
    expect((await sessions.load(idHash))?.data.orders).toEqual(['o-2'])
  })

  test('a lost lock writes nothing: false, and the session is untouched', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
    await store.release(lock.keyHash, lock.lockToken) // the watchdog gave up, or the lock lapsed
    const done = await store.completeWithSessionWrite(
      lock.keyHash,
      lock.lockToken,
      response,
      expiresAt,
      sessions,
      appendOrder(idHash, 'o-3'),
    )
    expect(done).toBe(false)
    expect((await sessions.load(idHash))?.data.orders).toEqual([])
  })

  test('a same-key conflict is the session store’s 409 and leaves the record in progress', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
    const stale = {
      kind: 'update' as const,
      idHash,
      update: { changes: [{ kind: 'set' as const, key: 'orders', value: ['mine'], expectedVersion: 0 }] },
    }
    const error = await rejectionOf(
      store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, stale),
    )
    expect(error).toBeInstanceOf(SessionConflictError)
    expect((error as SessionConflictError).keys).toEqual(['orders'])
    expect(JSON.stringify(error.cause ?? '')).not.toContain('"orders"') // the old item stays out of the cause
    expect((await storedItem(client, idempotencyTable, lock.keyHash))?.status).toBe(IdempotencyStatus.InProgress)
  })

  test('a session destroyed meanwhile is SessionGoneError and is not brought back', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
    await sessions.destroy(idHash)
    const error = await rejectionOf(
      store.completeWithSessionWrite(
        lock.keyHash,
        lock.lockToken,
        response,
        expiresAt,
        sessions,
        appendOrder(idHash, 'o-4'),
      ),
    )
    expect(error).toBeInstanceOf(SessionGoneError)
    expect(await sessions.load(idHash)).toBeUndefined()
  })

  test('a regeneration (create the new item, retire the old) joins the same transaction', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
    const fresh = sessionRecord({ idHash: newIdHash(), data: { user: 'u-1' }, versions: { user: 1 } })
    const done = await store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, {
      kind: 'replace',
      oldIdHash: idHash,
      record: fresh,
    })
    expect(done).toBe(true)
    expect(calls.counts).toEqual({ TransactWriteItemsCommand: 1 })
    expect(await sessions.load(idHash)).toBeUndefined()
    expect((await sessions.load(fresh.idHash))?.data).toEqual({ user: 'u-1' })
  })

  test('a session store on another client can’t join: undefined, and nothing is sent', async () => {
    const other = localClient()
    try {
      const elsewhere = new DynamoDBSessionStore({ client: other, tableName: sessionTable })
      const { idHash, lock, expiresAt } = await sessionAndLock(crypto.randomUUID())
      const done = await store.completeWithSessionWrite(
        lock.keyHash,
        lock.lockToken,
        response,
        expiresAt,
        elsewhere,
        appendOrder(idHash, 'o-5'),
      )
      expect(done).toBeUndefined()
      expect(calls.total()).toBe(0)
    } finally {
      other.destroy()
    }
  })
})
