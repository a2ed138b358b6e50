import { type AddressInfo, createServer, type Socket } from 'node:net'
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import {
  ConfigurationError,
  LambdaSessionError,
  type Logger,
  SessionConflictError,
  SessionTooLargeError,
  StoreUnavailableError,
} from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { findFreePort, trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, rawItem, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'

const client = localClient()
const tableName = uniqueTableName('failures')
const store = new DynamoDBSessionStore({ client, tableName })

beforeAll(() => ensureSessionTable({ client, tableName }))
afterAll(() => client.destroy())

function spyLogger() {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
}

describe('size', () => {
  test('an update that pushes the item past 400 KB gives SessionTooLargeError, and nothing is written', async () => {
    const record = sessionRecord({ data: { first: 'a'.repeat(250_000) } })
    await store.create(record)
    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [{ kind: 'set', key: 'second', value: 'b'.repeat(250_000), expectedVersion: 0 }],
      }),
    )
    expect(error).toBeInstanceOf(SessionTooLargeError)
    expect((error as SessionTooLargeError).statusCode).toBe(413)
    expect((error as SessionTooLargeError).sizeBytes).toBeGreaterThan(400 * 1024)
    expect(Object.keys((await store.load(record.idHash))?.data ?? {})).toEqual(['first'])
  })

  test('create and replace refuse an item over 400 KB before sending it', async () => {
    const calls = trackDynamoDBCalls(client)
    const big = sessionRecord({ data: { blob: 'x'.repeat(410 * 1024) } })
    expect(await rejectionOf(store.create(big))).toBeInstanceOf(SessionTooLargeError)
    expect(await rejectionOf(store.replace(sessionRecord().idHash, big))).toBeInstanceOf(SessionTooLargeError)
    expect(calls.total()).toBe(0)
    expect(await rawItem(client, tableName, big.idHash)).toBeUndefined()
  })
})

describe('outages', () => {
  test('an endpoint nobody listens on gives StoreUnavailableError (503), quickly', async () => {
    const port = await findFreePort()
    const deadClient = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 500, requestTimeout: 500 },
    })
    const deadStore = new DynamoDBSessionStore({ client: deadClient, tableName })
    const started = Date.now()
    const failures = await Promise.all([
      rejectionOf(deadStore.load('x')),
      rejectionOf(deadStore.update('x', { changes: [{ kind: 'increment', key: 'n', by: 1 }] })),
      rejectionOf(deadStore.create(sessionRecord())),
      rejectionOf(deadStore.destroyUserSessions('user')),
    ])
    for (const error of failures) {
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect((error as StoreUnavailableError).statusCode).toBe(503)
      expect((error as StoreUnavailableError).headers['Retry-After']).toBe('1')
      expect(error.cause).toMatchObject({ package: '@lambda-session/dynamodb-store' })
    }
    expect(Date.now() - started).toBeLessThan(5000)
    deadClient.destroy()
  })

  test('an endpoint that accepts connections but never answers gives StoreUnavailableError, not a hang', async () => {
    // A black hole: the TCP connection opens, no HTTP response ever comes.
    const sockets: Socket[] = []
    const server = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const hangingClient = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
      // The README's recommended settings: without throwOnRequestTimeout the SDK only warns.
      requestHandler: { connectionTimeout: 300, requestTimeout: 300, throwOnRequestTimeout: true },
    })
    const started = Date.now()
    const error = await rejectionOf(new DynamoDBSessionStore({ client: hangingClient, tableName }).load('x'))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(Date.now() - started).toBeLessThan(3000)
    hangingClient.destroy()
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  test.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
  ])('DynamoDB answering %s gives StoreUnavailableError', async (name, httpStatusCode) => {
    const throttled = localClient()
    // Fails every request after the retry step, as DynamoDB's answer would.
    throttled.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error(`${name} from DynamoDB`), {
          name,
          $fault: 'client',
          $metadata: { httpStatusCode },
        })
      },
      { step: 'deserialize', name: 'answerWithError' },
    )
    const throttledStore = new DynamoDBSessionStore({ client: throttled, tableName })
    const error = await rejectionOf(throttledStore.load('x'))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error.cause as { data: { name: string } }).data.name).toBe(name)
    throttled.destroy()
  })
})

describe('configuration', () => {
  test('a missing table gives ConfigurationError telling how to create it', async () => {
    const missing = new DynamoDBSessionStore({ client, tableName: uniqueTableName('missing') })
    for (const error of [
      await rejectionOf(missing.load('x')),
      await rejectionOf(missing.create(sessionRecord())),
      await rejectionOf(missing.destroyUserSessions('user')),
    ]) {
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.message).toContain('lambda-session-tables create')
      expect(error.message).toContain('ensureSessionTable')
    }
  })

  test('a table without the userId index gives ConfigurationError on destroyUserSessions', async () => {
    const bare = uniqueTableName('bare')
    await client.send(
      new CreateTableCommand({
        TableName: bare,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    )
    const error = await rejectionOf(new DynamoDBSessionStore({ client, tableName: bare }).destroyUserSessions('user'))
    expect(error).toBeInstanceOf(ConfigurationError)
  })

  test('the constructor rejects a missing client or table name', () => {
    expect(() => new DynamoDBSessionStore({ client, tableName: '' })).toThrow(ConfigurationError)
    expect(() => new DynamoDBSessionStore({ tableName } as never)).toThrow(ConfigurationError)
  })
})

describe('bad items and races', () => {
  test.each([
    ['data is not a map', { data: { S: 'oops' }, ver: { M: {} } }],
    ['versions missing', { data: { M: {} } }],
    ['timestamp missing', { data: { M: {} }, ver: { M: {} }, createdAt: { S: 'yesterday' } }],
    ['a set in the data', { data: { M: { tags: { SS: ['a'] } } }, ver: { M: {} } }],
  ])('a malformed item (%s) loads as undefined with a warning that carries no id', async (_, attributes) => {
    const logger = spyLogger()
    const idHash = sessionRecord().idHash
    const times = { createdAt: { N: '1' }, lastSeenAt: { N: '1' }, expiresAt: { N: '9999999999999' } }
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { pk: { S: idHash }, ...times, ...attributes } as never }),
    )
    const lenient = new DynamoDBSessionStore({ client, tableName, logger })
    expect(await lenient.load(idHash)).toBeUndefined()
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(idHash)
  })

  test('an increment of a key a concurrent set turned into text gives SessionConflictError', async () => {
    const record = sessionRecord({ data: { n: 'not a number' } })
    await store.create(record)
    const error = await rejectionOf(store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] }))
    expect(error).toBeInstanceOf(SessionConflictError)
    expect((error as SessionConflictError).keys).toEqual(['n'])
  })

  test.each([
    ['an empty object key', { nested: { '': 1 } }],
    ['a number over DynamoDB’s range', { huge: 1e200 }],
    ['a number under DynamoDB’s range', { tiny: [1e-200] }],
  ])('a value with %s is refused with a TypeError before any request', async (_, data) => {
    const calls = trackDynamoDBCalls(client)
    const [key, value] = Object.entries(data)[0] as [string, unknown]
    expect(await rejectionOf(store.create(sessionRecord({ data })))).toBeInstanceOf(TypeError)
    const update = store.update('x', { changes: [{ kind: 'set', key, value, expectedVersion: 0 }] })
    expect(await rejectionOf(update)).toBeInstanceOf(TypeError)
    expect(calls.total()).toBe(0)
  })

  test('an update too big for one DynamoDB expression is refused clearly before any request', async () => {
    const calls = trackDynamoDBCalls(client)
    const changes = Array.from({ length: 60 }, (_, index) => ({ kind: 'increment' as const, key: `k${index}`, by: 1 }))
    const error = await rejectionOf(store.update('x', { changes }))
    expect(error).toBeInstanceOf(LambdaSessionError)
    expect(error.message).toContain('changes 60 session keys at once')
    expect(calls.total()).toBe(0)
  })

  test('40 increments in one update still fit', async () => {
    const record = sessionRecord()
    await store.create(record)
    const changes = Array.from({ length: 40 }, (_, index) => ({
      kind: 'increment' as const,
      key: `key${index}`,
      by: 1,
    }))
    await store.update(record.idHash, { changes })
    expect(Object.keys((await store.load(record.idHash))?.data ?? {})).toHaveLength(40)
  })

  test('two changes of one key in one update are refused before any request', async () => {
    const error = await rejectionOf(
      store.update('x', {
        changes: [
          { kind: 'increment', key: 'n', by: 1 },
          { kind: 'set', key: 'n', value: 1, expectedVersion: 0 },
        ],
      }),
    )
    expect(error).toBeInstanceOf(TypeError)
  })
})
