import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { type Logger, StoreUnavailableError } from '@lambda-session/core'
import {
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
} from '@lambda-session/dynamodb-store'
import { trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'
import { inProgressRecord } from './idempotency-helpers.js'
import { failRequests, sdkError, singleAttemptClient } from './injected-faults.js'

const endpoint = process.env.DYNAMODB_ENDPOINT as string
const setupClient = localClient()
const sessionTable = uniqueTableName('retries-sessions')
const idempotencyTable = uniqueTableName('retries-idem')

beforeAll(async () => {
  await ensureSessionTable({ client: setupClient, tableName: sessionTable })
  await ensureIdempotencyTable({ client: setupClient, tableName: idempotencyTable })
})
afterAll(() => setupClient.destroy())

function spyLogger() {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
}

const throttled = () => sdkError('ProvisionedThroughputExceededException', 400, true)

describe('throttling is retried with jittered back-off inside the budget', () => {
  test('two throttles, then success: the write lands once and the retries are logged without ids', async () => {
    const client = singleAttemptClient(endpoint)
    const logger = spyLogger()
    const store = new DynamoDBSessionStore({ client, tableName: sessionTable, logger, retryBaseDelayMs: 20 })
    const record = sessionRecord({ data: { n: 1 } })
    await store.create(record)
    const faults = failRequests(client, 2, throttled)
    await store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] })
    expect(faults.failed).toBe(2)
    expect((await store.load(record.idHash))?.data.n).toBe(2)
    const retries = logger.debug.mock.calls.filter(([message]) => String(message).includes('retrying'))
    expect(retries.map(([, details]) => details)).toEqual([
      expect.objectContaining({ operation: 'update', attempt: 1, reason: 'throttled', table: sessionTable }),
      expect.objectContaining({ operation: 'update', attempt: 2, reason: 'throttled', table: sessionTable }),
    ])
    expect(JSON.stringify(logger.debug.mock.calls)).not.toContain(record.idHash)
    client.destroy()
  })

  test('back-off is full jitter under the doubling cap', async () => {
    const client = singleAttemptClient(endpoint)
    const logger = spyLogger()
    const store = new DynamoDBSessionStore({
      client,
      tableName: sessionTable,
      logger,
      maxAttempts: 6,
      retryBaseDelayMs: 8,
      maxRetryDelayMs: 32,
    })
    const delays: number[][] = []
    for (let run = 0; run < 12; run++) {
      logger.debug.mockClear()
      failRequests(client, 5, throttled)
      await store.load('missing')
      delays.push(logger.debug.mock.calls.map(([, details]) => (details as { delayMs: number }).delayMs))
    }
    const caps = [8, 16, 32, 32, 32]
    for (const run of delays) {
      expect(run).toHaveLength(5)
      run.forEach((delay, index) => {
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(caps[index] as number)
      })
    }
    // Jitter: twelve runs of five random waits are not all the same.
    expect(new Set(delays.map((run) => run.join(','))).size).toBeGreaterThan(1)
    client.destroy()
  })

  test('throttled past maxAttempts: 503 naming the throttling, nothing written', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBSessionStore({ client, tableName: sessionTable, retryBaseDelayMs: 1 })
    const record = sessionRecord({ data: { n: 1 } })
    await store.create(record)
    const faults = failRequests(client, 3, () => sdkError('ThrottlingException', 400, true))
    const error = await rejectionOf(store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] }))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error.cause as { data: { name: string } }).data.name).toBe('ThrottlingException')
    expect(faults.failed).toBe(3)
    expect((await store.load(record.idHash))?.data.n).toBe(1)
    client.destroy()
  })

  test('endless throttling with many attempts allowed still ends by timeoutMs', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBSessionStore({
      client,
      tableName: sessionTable,
      timeoutMs: 400,
      maxAttempts: 1000,
      retryBaseDelayMs: 50,
      maxRetryDelayMs: 100,
    })
    failRequests(client, Number.POSITIVE_INFINITY, throttled)
    const started = performance.now()
    expect(await rejectionOf(store.load('x'))).toBeInstanceOf(StoreUnavailableError)
    expect(performance.now() - started).toBeLessThan(450)
    client.destroy()
  })

  test('a transaction cancelled only by throttling (regeneration) is retried', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBSessionStore({ client, tableName: sessionTable, retryBaseDelayMs: 1 })
    const old = sessionRecord()
    await store.create(old)
    const cancelled = () =>
      Object.assign(sdkError('TransactionCanceledException', 400), {
        CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }],
      })
    const faults = failRequests(client, 1, cancelled)
    const next = sessionRecord({ data: { user: 'u' } })
    await store.replace(old.idHash, next)
    expect(faults.failed).toBe(1)
    expect(await store.load(old.idHash)).toBeUndefined()
    expect((await store.load(next.idHash))?.data).toEqual({ user: 'u' })
    client.destroy()
  })
})

describe('unclear failures are retried only where repeating is harmless', () => {
  test('a 500 on a read is retried; on an increment it is not (it may have counted)', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBSessionStore({ client, tableName: sessionTable, retryBaseDelayMs: 1 })
    const record = sessionRecord({ data: { n: 1 } })
    await store.create(record)
    const calls = trackDynamoDBCalls(client)

    const readFault = failRequests(client, 1, () => sdkError('InternalServerError', 500), {
      commands: ['GetItemCommand'],
    })
    expect((await store.load(record.idHash))?.data.n).toBe(1)
    expect(readFault.failed).toBe(1)
    expect(calls.count('GetItemCommand')).toBe(2)

    // The increment reaches DynamoDB, then its answer is lost.
    const lost = failRequests(client, 1, () => sdkError('InternalServerError', 500), {
      afterSending: true,
      commands: ['UpdateItemCommand'],
    })
    const error = await rejectionOf(store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] }))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(lost.failed).toBe(1)
    expect(calls.count('UpdateItemCommand')).toBe(1)
    expect((await store.load(record.idHash))?.data.n).toBe(2) // counted once, not twice
    client.destroy()
  })

  test('acquire whose answer was lost is retried and recognises its own lock: acquired, not a 409 against itself', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBIdempotencyStore({ client, tableName: idempotencyTable, retryBaseDelayMs: 1 })
    const calls = trackDynamoDBCalls(client)
    const lost = failRequests(client, 1, () => sdkError('InternalServerError', 500), { afterSending: true })
    const now = Date.now()
    const record = inProgressRecord(now)
    expect(await store.acquire(record, now)).toEqual({ acquired: true })
    expect(lost.failed).toBe(1)
    expect(calls.count('PutItemCommand')).toBe(2)
    // A rival still loses to that lock, and the owner can complete it.
    expect(await store.acquire(inProgressRecord(now, { keyHash: record.keyHash }), now)).toMatchObject({
      acquired: false,
      existing: { lockToken: record.lockToken },
    })
    expect(await store.complete(record.keyHash, record.lockToken, '{}', now + 60_000)).toBe(true)
    client.destroy()
  })

  test('complete is not repeated after an unclear failure', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBIdempotencyStore({ client, tableName: idempotencyTable, retryBaseDelayMs: 1 })
    const now = Date.now()
    const record = inProgressRecord(now)
    await store.acquire(record, now)
    const calls = trackDynamoDBCalls(client)
    failRequests(client, 1, () => sdkError('ServiceUnavailable', 503))
    expect(await rejectionOf(store.complete(record.keyHash, record.lockToken, '{}', now + 1000))).toBeInstanceOf(
      StoreUnavailableError,
    )
    expect(calls.count('UpdateItemCommand')).toBe(1)
    client.destroy()
  })

  test('a refused connection is retried for any operation (nothing was sent)', async () => {
    const client = singleAttemptClient(endpoint)
    const store = new DynamoDBSessionStore({ client, tableName: sessionTable, retryBaseDelayMs: 1 })
    const record = sessionRecord()
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const faults = failRequests(client, 2, refused)
    await store.create(record)
    expect(faults.failed).toBe(2)
    expect(await store.load(record.idHash)).toEqual(record)
    client.destroy()
  })
})
