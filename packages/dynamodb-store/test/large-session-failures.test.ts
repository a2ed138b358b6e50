import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import {
  ConfigurationError,
  type Logger,
  SessionGoneError,
  type SessionRecord,
  StoreUnavailableError,
} from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable, LARGE_SESSION_ATTRIBUTES } from '@lambda-session/dynamodb-store'
import { findFreePort } from '@lambda-session/testing'
import { localClient, rawItem, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'
import { type S3CompatibleServer, s3ClientFor, startS3CompatibleServer } from './s3-compatible-server.js'

const BUCKET = 'large-session-failures'
const client = localClient()
const tableName = uniqueTableName('large-failures')
let server: S3CompatibleServer
let s3: S3Client
/** Accepts connections and never answers: a hung S3. */
let silent: Server
const silentSockets = new Set<Socket>()

function spyLogger() {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
}

function storeOn(s3Client: S3Client, extra: { logger?: Logger; timeoutMs?: number; bucket?: string } = {}) {
  return new DynamoDBSessionStore({
    client,
    tableName,
    logger: extra.logger,
    timeoutMs: extra.timeoutMs ?? 3000,
    attemptTimeoutMs: 500,
    largeSessions: { client: s3Client, bucket: extra.bucket ?? BUCKET, thresholdBytes: 10 * 1024 },
  })
}

function largeRecord(): SessionRecord {
  return sessionRecord({ data: { blob: 'x'.repeat(20 * 1024) }, versions: { blob: 1 } })
}

function pointerKey(item: Awaited<ReturnType<typeof rawItem>>): string {
  return item?.[LARGE_SESSION_ATTRIBUTES.object]?.M?.k?.S as string
}

beforeAll(async () => {
  server = await startS3CompatibleServer([BUCKET])
  s3 = server.client()
  await ensureSessionTable({ client, tableName })
  silent = createServer((socket) => {
    silentSockets.add(socket)
    socket.on('close', () => silentSockets.delete(socket))
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy()
  await new Promise((resolve) => silent?.close(resolve))
  s3?.destroy()
  await server?.stop()
  client.destroy()
})

describe('S3 down', () => {
  test.each([
    ['refuses connections', async () => s3ClientFor(`http://127.0.0.1:${await findFreePort()}`, { maxAttempts: 1 })],
    [
      'accepts connections and never answers',
      async () => s3ClientFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { maxAttempts: 1 }),
    ],
  ])('S3 that %s: large sessions get a 503 within the budget; small ones work', async (_, makeClient) => {
    const healthy = storeOn(s3)
    const large = largeRecord()
    await healthy.create(large)
    const small = sessionRecord({ data: { a: 1 }, versions: { a: 1 } })
    await healthy.create(small)

    const down = await makeClient()
    const store = storeOn(down)
    const unsaved = largeRecord()
    const failures = [
      await rejectionOf(store.load(large.idHash)),
      await rejectionOf(store.update(large.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] })),
      await rejectionOf(store.create(unsaved)),
    ]
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(StoreUnavailableError)
      expect((failure as StoreUnavailableError).statusCode).toBe(503)
      expect((failure as StoreUnavailableError).headers['Retry-After']).toBe('1')
    }
    // Nothing changed: the update wrote nothing, the create left no item.
    expect(await healthy.load(large.idHash)).toEqual(large)
    expect(await rawItem(client, tableName, unsaved.idHash)).toBeUndefined()

    // Sessions under the threshold never touch S3.
    expect(await store.load(small.idHash)).toEqual(small)
    await store.update(small.idHash, { changes: [{ kind: 'increment', key: 'a', by: 1 }] })
    expect((await store.load(small.idHash))?.data.a).toBe(2)
    // Destroying an S3 session still ends it: the object is left to the lifecycle rule.
    await store.destroy(large.idHash)
    expect(await rawItem(client, tableName, large.idHash)).toBeUndefined()
    down.destroy()
  })
})

describe('objects that are not what the item says', () => {
  test('a missing object reads as no session with one warning, and a write to it gets SessionGoneError', async () => {
    const logger = spyLogger()
    const store = storeOn(s3, { logger })
    const record = largeRecord()
    await store.create(record)
    const key = pointerKey(await rawItem(client, tableName, record.idHash))
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })) // as a too-short lifecycle rule would

    expect(await store.load(record.idHash)).toBeUndefined()
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(/S3 object is missing/)
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(record.idHash)
    const error = await rejectionOf(store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] }))
    expect(error).toBeInstanceOf(SessionGoneError)
  })

  test('an object whose hash does not match the pointer reads as no session with a warning', async () => {
    const logger = spyLogger()
    const store = storeOn(s3, { logger })
    const record = largeRecord()
    await store.create(record)
    const key = pointerKey(await rawItem(client, tableName, record.idHash))
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify({ format: 1, data: {} }) }))
    expect(await store.load(record.idHash)).toBeUndefined()
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(JSON.stringify(logger.warn.mock.calls[0])).toMatch(/hash does not match/)
  })
})

describe('configuration', () => {
  test('bad largeSessions options throw a ConfigurationError when the store is made', () => {
    const make = (largeSessions: object) => () =>
      new DynamoDBSessionStore({ client, tableName, largeSessions: largeSessions as never })
    expect(make({ client: s3 })).toThrow(ConfigurationError)
    expect(make({ bucket: BUCKET })).toThrow(/S3Client/)
    expect(make({ client: s3, bucket: BUCKET, thresholdBytes: 0 })).toThrow(/thresholdBytes/)
    expect(make({ client: s3, bucket: BUCKET, thresholdBytes: 400 * 1024 })).toThrow(/thresholdBytes/)
    expect(make({ client: s3, bucket: BUCKET, thresholdBytes: 1.5 })).toThrow(/thresholdBytes/)
  })

  test('a bucket that does not exist is a ConfigurationError naming it, and no item is written', async () => {
    const store = storeOn(s3, { bucket: 'no-such-bucket' })
    const record = largeRecord()
    const error = await rejectionOf(store.create(record))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/no-such-bucket/)
    expect(await rawItem(client, tableName, record.idHash)).toBeUndefined()
  })
})
