import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { SessionConflictError } from '@lambda-session/core'
import {
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
} from '@lambda-session/dynamodb-store'
import { describeJointCommitConformance, ManualClock, trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, newIdHash, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'
import { inProgressRecord } from './idempotency-helpers.js'

// `completeWithSessionWrite`: a request's session change and its stored
// response in one transaction, so they land together or not at all. The
// shared suite checks the contract; the tests below what is DynamoDB's own.
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

describeJointCommitConformance('DynamoDB stores on one client', {
  createStores: () => ({ store: { idempotency: store, sessions } }),
  clock: () => clock.now(),
})

/** A stored session and a held lock, as the guard has them when the handler returns. */
async function sessionAndLock() {
  const record = sessionRecord({ idHash: newIdHash(), data: { orders: [] }, versions: { orders: 1 } })
  await sessions.create(record)
  const now = clock.now()
  const lock = inProgressRecord(now, { lockToken: crypto.randomUUID() })
  await store.acquire(lock, now)
  calls.reset()
  return { idHash: record.idHash, lock, expiresAt: now + 86_400_000 }
}

const appendOrder = (idHash: string, order: string) => ({
  kind: 'update' as const,
  idHash,
  update: { changes: [{ kind: 'append' as const, key: 'orders', values: [order] }] },
})

describe('completeWithSessionWrite on DynamoDB', () => {
  test('is one TransactWriteItems', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    const write = appendOrder(idHash, 'o-1')
    expect(
      await store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, write),
    ).toBe(true)
    expect(calls.counts).toEqual({ TransactWriteItemsCommand: 1 })
  })

  test('a conflict’s error carries no session data in its cause (the old item DynamoDB returned is dropped)', async () => {
    const { idHash, lock, expiresAt } = await sessionAndLock()
    await sessions.update(idHash, { changes: [{ kind: 'set', key: 'secret', value: 'hunter2', expectedVersion: 0 }] })
    const stale = {
      kind: 'update' as const,
      idHash,
      update: { changes: [{ kind: 'set' as const, key: 'secret', value: 'mine', expectedVersion: 0 }] },
    }
    const error = await rejectionOf(
      store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, sessions, stale),
    )
    expect(error).toBeInstanceOf(SessionConflictError)
    const seen = new Set<unknown>()
    const text = JSON.stringify(error, (_key, value) => {
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return undefined
        seen.add(value)
        if (value instanceof Error) return { ...value, message: value.message, cause: value.cause }
      }
      return value
    })
    expect(text).not.toContain('hunter2')
  })

  test('a session store on another client can’t join: undefined, and nothing is sent', async () => {
    const other = localClient()
    try {
      const elsewhere = new DynamoDBSessionStore({ client: other, tableName: sessionTable })
      const { idHash, lock, expiresAt } = await sessionAndLock()
      const write = appendOrder(idHash, 'o-5')
      expect(
        await store.completeWithSessionWrite(lock.keyHash, lock.lockToken, response, expiresAt, elsewhere, write),
      ).toBeUndefined()
      expect(calls.total()).toBe(0)
    } finally {
      other.destroy()
    }
  })
})
