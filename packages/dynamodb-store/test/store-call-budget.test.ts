import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ConfigurationError, StoreUnavailableError } from '@lambda-session/core'
import {
  createStoreClient,
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
  storeCallDefaults,
} from '@lambda-session/dynamodb-store'
import { localClient, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'
import { inProgressRecord } from './idempotency-helpers.js'
import { blackHole } from './injected-faults.js'

const endpoint = process.env.DYNAMODB_ENDPOINT as string
const setupClient = localClient()
const sessionTable = uniqueTableName('budget-sessions')
const idempotencyTable = uniqueTableName('budget-idem')

beforeAll(async () => {
  await ensureSessionTable({ client: setupClient, tableName: sessionTable })
  await ensureIdempotencyTable({ client: setupClient, tableName: idempotencyTable })
})
afterAll(() => setupClient.destroy())

describe('options', () => {
  test('the defaults bound every call: 5 s per operation, 2 s per repeatable attempt, 3 attempts', () => {
    expect(storeCallDefaults).toEqual({
      timeoutMs: 5000,
      attemptTimeoutMs: 2000,
      maxAttempts: 3,
      retryBaseDelayMs: 50,
      maxRetryDelayMs: 1000,
      connectionTimeoutMs: 1000,
    })
  })

  test.each([
    ['timeoutMs', 0],
    ['timeoutMs', Number.POSITIVE_INFINITY],
    ['attemptTimeoutMs', -1],
    ['maxAttempts', 1.5],
    ['maxAttempts', 0],
    ['retryBaseDelayMs', Number.NaN],
    ['maxRetryDelayMs', '100'],
  ])('%s = %p is refused when the store is created', (option, value) => {
    const options = { client: setupClient, tableName: sessionTable, [option]: value }
    expect(() => new DynamoDBSessionStore(options)).toThrow(ConfigurationError)
    expect(() => new DynamoDBIdempotencyStore({ ...options, tableName: idempotencyTable })).toThrow(ConfigurationError)
  })

  test('without client or clientConfig the stores refuse to start, naming both', () => {
    expect(() => new DynamoDBSessionStore({ tableName: sessionTable })).toThrow(/`client`.*`clientConfig`/)
    expect(() => new DynamoDBIdempotencyStore({ tableName: idempotencyTable })).toThrow(/`client`.*`clientConfig`/)
  })

  test('createStoreClient: one SDK attempt, throwing timeouts; the config given wins', async () => {
    const client = createStoreClient({ region: 'eu-west-1' })
    expect(await client.config.maxAttempts()).toBe(1)
    expect(await client.config.region()).toBe('eu-west-1')
    const handlerConfig = await (client.config.requestHandler as unknown as { configProvider: Promise<object> })
      .configProvider
    expect(handlerConfig).toMatchObject({ connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true })
    expect(await createStoreClient({ maxAttempts: 4 }).config.maxAttempts()).toBe(4)
    client.destroy()
  })

  test('a store made from clientConfig works against DynamoDB Local', async () => {
    const store = new DynamoDBSessionStore({
      tableName: sessionTable,
      clientConfig: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    })
    const record = sessionRecord({ data: { a: 1 } })
    await store.create(record)
    expect(await store.load(record.idHash)).toEqual(record)
  })
})

describe('timeouts bound a client that has none', () => {
  // A plain client: no connection or request timeout, the SDK's 3 attempts.
  const unbounded = (target: string) =>
    new DynamoDBClient({
      endpoint: target,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })

  test('a read against a black hole is tried maxAttempts times, then 503 by the deadline', async () => {
    const hole = await blackHole()
    const client = unbounded(hole.endpoint)
    const store = new DynamoDBSessionStore({
      client,
      tableName: sessionTable,
      timeoutMs: 1500,
      attemptTimeoutMs: 300,
      retryBaseDelayMs: 1,
    })
    const started = performance.now()
    const error = await rejectionOf(store.load('x'))
    const tookMs = performance.now() - started
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as StoreUnavailableError).headers['Retry-After']).toBe('1')
    expect(tookMs).toBeGreaterThanOrEqual(3 * 300 - 20)
    expect(tookMs).toBeLessThan(1500)
    expect(hole.connections()).toBe(3) // each timed-out attempt was aborted and a new one opened
    client.destroy()
    await hole.close()
  })

  test('a write against a black hole is sent once and ends as a 503 at the operation deadline', async () => {
    const hole = await blackHole()
    const client = unbounded(hole.endpoint)
    const store = new DynamoDBSessionStore({ client, tableName: sessionTable, timeoutMs: 700, attemptTimeoutMs: 100 })
    const started = performance.now()
    const error = await rejectionOf(store.update('x', { changes: [{ kind: 'increment', key: 'n', by: 1 }] }))
    const tookMs = performance.now() - started
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(tookMs).toBeGreaterThanOrEqual(680)
    expect(tookMs).toBeLessThan(1200)
    expect(hole.connections()).toBe(1) // an increment that may have landed is never sent twice
    client.destroy()
    await hole.close()
  })

  test('the idempotency store is bounded the same way', async () => {
    const hole = await blackHole()
    const client = unbounded(hole.endpoint)
    const store = new DynamoDBIdempotencyStore({ client, tableName: idempotencyTable, timeoutMs: 400 })
    const now = Date.now()
    const started = performance.now()
    const failures = await Promise.all([
      rejectionOf(store.acquire(inProgressRecord(now), now)),
      rejectionOf(store.complete('k', 't', '{}', now)),
      rejectionOf(store.release('k', 't')),
    ])
    for (const error of failures) expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(performance.now() - started).toBeLessThan(900)
    client.destroy()
    await hole.close()
  })
})
