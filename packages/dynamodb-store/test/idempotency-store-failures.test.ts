import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ConfigurationError, LambdaSessionError, StoreUnavailableError } from '@lambda-session/core'
import {
  DynamoDBIdempotencyStore,
  ensureIdempotencyTable,
  IdempotencyRecordTooLargeError,
} from '@lambda-session/dynamodb-store'
import { findFreePort, trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, rejectionOf, uniqueTableName } from './helpers.js'
import { inProgressRecord, newKeyHash, newLockToken, storedItem } from './idempotency-helpers.js'

const client = localClient()
const tableName = uniqueTableName('idem-failures')
const store = new DynamoDBIdempotencyStore({ client, tableName })

beforeAll(() => ensureIdempotencyTable({ client, tableName }))
afterAll(() => client.destroy())

describe('outages', () => {
  test('a closed port gives StoreUnavailableError (503, Retry-After) from every method, quickly', async () => {
    const port = await findFreePort()
    const dead = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 500, requestTimeout: 500 },
    })
    const deadStore = new DynamoDBIdempotencyStore({ client: dead, tableName })
    const now = Date.now()
    const started = Date.now()
    const failures = await Promise.all([
      rejectionOf(deadStore.acquire(inProgressRecord(now), now)),
      rejectionOf(deadStore.complete(newKeyHash(), newLockToken(), '{}', now + 1000)),
      rejectionOf(deadStore.release(newKeyHash(), newLockToken())),
    ])
    dead.destroy()
    for (const error of failures) {
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect((error as StoreUnavailableError).statusCode).toBe(503)
      expect((error as StoreUnavailableError).headers['Retry-After']).toBe('1')
      expect(error.cause).toMatchObject({ package: '@lambda-session/dynamodb-store' })
    }
    expect(failures.map((error) => error.message)).toEqual([
      expect.stringContaining('idempotency acquire'),
      expect.stringContaining('idempotency complete'),
      expect.stringContaining('idempotency release'),
    ])
    expect(Date.now() - started).toBeLessThan(5000)
  })
})

describe('configuration', () => {
  test('a missing table is a ConfigurationError that names the CLI flag', async () => {
    const missing = new DynamoDBIdempotencyStore({ client, tableName: uniqueTableName('nope') })
    const now = Date.now()
    const failures = await Promise.all([
      rejectionOf(missing.acquire(inProgressRecord(now), now)),
      rejectionOf(missing.complete(newKeyHash(), newLockToken(), '{}', now)),
      rejectionOf(missing.release(newKeyHash(), newLockToken())),
    ])
    for (const error of failures) {
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.message).toContain(`--idempotency-table ${missing.tableName}`)
      expect(error.message).toContain('ensureIdempotencyTable()')
    }
  })

  test('the constructor refuses a missing client or table name', () => {
    expect(() => new DynamoDBIdempotencyStore({ client: undefined as never, tableName })).toThrow(ConfigurationError)
    expect(() => new DynamoDBIdempotencyStore({ client, tableName: '' })).toThrow(ConfigurationError)
  })
})

describe('size', () => {
  test('a response certainly over 400 KB is refused before any request, and the lock stays held', async () => {
    const calls = trackDynamoDBCalls(client)
    const now = Date.now()
    const record = inProgressRecord(now)
    await store.acquire(record, now)
    calls.reset()
    const error = await rejectionOf(store.complete(record.keyHash, record.lockToken, 'x'.repeat(400 * 1024), now))
    expect(error).toBeInstanceOf(IdempotencyRecordTooLargeError)
    expect(error).toBeInstanceOf(LambdaSessionError)
    expect((error as IdempotencyRecordTooLargeError).sizeBytes).toBeGreaterThan(400 * 1024)
    expect(error.message).toMatch(/maxResponseBytes/)
    expect(calls.total()).toBe(0)
    expect(await storedItem(client, tableName, record.keyHash)).toMatchObject({ status: 'IN_PROGRESS' })
  })

  test('a response DynamoDB refuses as too large is the same clear error, and nothing is written', async () => {
    const calls = trackDynamoDBCalls(client)
    const now = Date.now()
    // A long fingerprint is invisible to the store's lower bound, so only DynamoDB can tell.
    const record = inProgressRecord(now, { fingerprint: 'f'.repeat(2000) })
    await store.acquire(record, now)
    calls.reset()
    const response = 'y'.repeat(400 * 1024 - 1000)
    const error = await rejectionOf(store.complete(record.keyHash, record.lockToken, response, now))
    expect(calls.counts).toEqual({ UpdateItemCommand: 1 })
    expect(error).toBeInstanceOf(IdempotencyRecordTooLargeError)
    expect((error as IdempotencyRecordTooLargeError).statusCode).toBe(500)
    const item = await storedItem(client, tableName, record.keyHash)
    expect(item).toMatchObject({ status: 'IN_PROGRESS' })
    expect(item).not.toHaveProperty('response')
  })
})
