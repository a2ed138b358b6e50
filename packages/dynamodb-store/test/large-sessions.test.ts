import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { SessionConflictError, SessionGoneError, type SessionRecord } from '@lambda-session/core'
import {
  DynamoDBSessionStore,
  type DynamoDBSessionStoreOptions,
  ensureSessionTable,
  LARGE_SESSION_ATTRIBUTES,
} from '@lambda-session/dynamodb-store'
import { trackClientCalls, trackDynamoDBCalls } from '@lambda-session/testing'
import { localClient, rawItem, rejectionOf, sessionRecord, uniqueTableName } from './helpers.js'
import { type S3CompatibleServer, startS3CompatibleServer } from './s3-compatible-server.js'

const BUCKET = 'large-sessions'
const THRESHOLD = 100 * 1024
const client = localClient()
const tableName = uniqueTableName('large-sessions')
let server: S3CompatibleServer
let s3: S3Client

function storeWith(overrides: Partial<DynamoDBSessionStoreOptions> = {}, s3Client: S3Client = s3) {
  return new DynamoDBSessionStore({
    client,
    tableName,
    largeSessions: { client: s3Client, bucket: BUCKET, prefix: 'test/' },
    ...overrides,
  })
}

/** The pointer the raw item keeps, or undefined while the data is inline. */
async function pointerKey(idHash: string): Promise<string | undefined> {
  return (await rawItem(client, tableName, idHash))?.[LARGE_SESSION_ATTRIBUTES.object]?.M?.k?.S
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    return true
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return false
    throw error
  }
}

/** A session whose item would be about `kb` KB. */
function recordOfSize(kb: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const data = { blob: 'x'.repeat(kb * 1024), n: 1 }
  return sessionRecord({ data, versions: { blob: 1, n: 1 }, ...overrides })
}

beforeAll(async () => {
  server = await startS3CompatibleServer([BUCKET])
  s3 = server.client()
  await ensureSessionTable({ client, tableName })
})

afterAll(async () => {
  s3?.destroy()
  await server?.stop()
  client.destroy()
})

describe('sessions over the threshold', () => {
  test('a 300 KB session round-trips through S3; the item keeps only a pointer and the metadata', async () => {
    const store = storeWith()
    const record = recordOfSize(300, { userId: 'user-300' })
    await store.create(record)

    const item = await rawItem(client, tableName, record.idHash)
    expect(item?.data).toBeUndefined()
    expect(item?.ver?.M).toEqual({ blob: { N: '1' }, n: { N: '1' } })
    expect(item?.userId).toEqual({ S: 'user-300' })
    expect(Number(item?.ttl?.N)).toBe(Math.ceil(record.expiresAt / 1000))
    const key = await pointerKey(record.idHash)
    expect(key).toMatch(new RegExp(`^test/${record.idHash}/.+\\.json$`))
    expect(await objectExists(key as string)).toBe(true)

    const dynamoCalls = trackDynamoDBCalls(client)
    const s3Calls = trackClientCalls(s3)
    expect(await store.load(record.idHash)).toEqual(record)
    // Documented: an overflowed session costs a GetItem and a GetObject.
    expect(dynamoCalls.total()).toBe(1)
    expect(s3Calls.count('GetObjectCommand')).toBe(1)
    expect(s3Calls.total()).toBe(1)
  })

  test('a small session is read with one GetItem and written with one UpdateItem, with no S3 call', async () => {
    const store = storeWith()
    const record = sessionRecord({ data: { views: 1, cart: ['a'] }, versions: { views: 1, cart: 1 } })
    await store.create(record)
    const dynamoCalls = trackDynamoDBCalls(client)
    const s3Calls = trackClientCalls(s3)

    expect(await store.load(record.idHash)).toEqual(record)
    await store.update(record.idHash, {
      changes: [
        { kind: 'increment', key: 'views', by: 1 },
        { kind: 'append', key: 'cart', values: ['b'] },
        { kind: 'set', key: 'plan', value: 'pro', expectedVersion: 0 },
      ],
    })
    await store.update(record.idHash, { changes: [], touch: { lastSeenAt: 5, expiresAt: record.expiresAt } })

    expect(dynamoCalls.counts).toEqual({ GetItemCommand: 1, UpdateItemCommand: 2 })
    expect(s3Calls.total()).toBe(0)
    const loaded = await store.load(record.idHash)
    expect(loaded?.data).toEqual({ views: 2, cart: ['a', 'b'], plan: 'pro' })
    expect(loaded?.versions).toEqual({ views: 2, cart: 2, plan: 1 })
    expect(loaded?.lastSeenAt).toBe(5)
    expect(await pointerKey(record.idHash)).toBeUndefined()
  })

  test('a touch of an overflowed session is one UpdateItem and leaves the object alone', async () => {
    const store = storeWith()
    const record = recordOfSize(150)
    await store.create(record)
    const key = await pointerKey(record.idHash)
    const dynamoCalls = trackDynamoDBCalls(client)
    const s3Calls = trackClientCalls(s3)
    await store.update(record.idHash, { changes: [], touch: { lastSeenAt: 7, expiresAt: record.expiresAt + 1000 } })
    expect(dynamoCalls.counts).toEqual({ UpdateItemCommand: 1 })
    expect(s3Calls.total()).toBe(0)
    expect(await pointerKey(record.idHash)).toBe(key)
    expect(await store.load(record.idHash)).toEqual({ ...record, lastSeenAt: 7, expiresAt: record.expiresAt + 1000 })
  })

  test('a write to an overflowed session goes to a new object and deletes the old one', async () => {
    const store = storeWith()
    const record = recordOfSize(150)
    await store.create(record)
    const first = (await pointerKey(record.idHash)) as string
    await store.update(record.idHash, {
      changes: [{ kind: 'set', key: 'plan', value: 'pro', expectedVersion: 0 }],
      userId: 'user-1',
    })
    const second = (await pointerKey(record.idHash)) as string
    expect(second).not.toBe(first)
    expect(await objectExists(first)).toBe(false)
    expect(await objectExists(second)).toBe(true)
    const loaded = await store.load(record.idHash)
    expect(loaded?.data).toEqual({ ...record.data, plan: 'pro' })
    expect(loaded?.versions).toEqual({ blob: 1, n: 1, plan: 1 })
    expect(loaded?.userId).toBe('user-1')
  })
})

describe('concurrency on an overflowed session', () => {
  test('concurrent increments and appends all land, exactly once each', async () => {
    // Rewrites of one S3 session queue up; on a loaded CI machine 12 of them can pass the 5 s default.
    const store = storeWith({ timeoutMs: 30_000 })
    const record = recordOfSize(120, { data: { blob: 'x'.repeat(120 * 1024), views: 0, cart: [] } })
    await store.create(record)
    const writers = 12
    await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        store.update(record.idHash, {
          changes: [
            { kind: 'increment', key: 'views', by: 1 },
            { kind: 'append', key: 'cart', values: [index] },
          ],
        }),
      ),
    )
    const loaded = await store.load(record.idHash)
    expect(loaded?.data.views).toBe(writers)
    expect(((loaded?.data.cart ?? []) as number[]).slice().sort((a, b) => a - b)).toEqual(
      Array.from({ length: writers }, (_, index) => index),
    )
    expect(loaded?.versions.views).toBe(writers)
    expect(await pointerKey(record.idHash)).toBeDefined()
  })

  test('a set of a key another request changed since the load is a 409 naming the key; nothing lands', async () => {
    const store = storeWith()
    const record = recordOfSize(150, { data: { blob: 'x'.repeat(150 * 1024), plan: 'free' } })
    record.versions = { blob: 1, plan: 1 }
    await store.create(record)
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'plan', value: 'pro', expectedVersion: 1 }] })
    const key = await pointerKey(record.idHash)
    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [
          { kind: 'set', key: 'plan', value: 'team', expectedVersion: 1 },
          { kind: 'increment', key: 'views', by: 1 },
        ],
      }),
    )
    expect(error).toBeInstanceOf(SessionConflictError)
    expect((error as SessionConflictError).statusCode).toBe(409)
    expect((error as SessionConflictError).keys).toEqual(['plan'])
    expect(await pointerKey(record.idHash)).toBe(key)
    const loaded = await store.load(record.idHash)
    expect(loaded?.data.plan).toBe('pro')
    expect(loaded?.data.views).toBeUndefined()
  })

  test('an increment of a value a concurrent set made a string conflicts, as in the item; nothing lands', async () => {
    const store = storeWith()
    const record = recordOfSize(150, { data: { blob: 'x'.repeat(150 * 1024), plan: 'free' } })
    record.versions = { blob: 1, plan: 1 }
    await store.create(record)
    const error = await rejectionOf(
      store.update(record.idHash, {
        changes: [
          { kind: 'increment', key: 'plan', by: 1 },
          { kind: 'append', key: 'log', values: ['x'] },
        ],
      }),
    )
    expect(error).toBeInstanceOf(SessionConflictError)
    expect(await store.load(record.idHash)).toEqual(record)
  })

  test('readers never miss the session while writers replace its object', async () => {
    const store = storeWith()
    const record = recordOfSize(150, { data: { blob: 'x'.repeat(150 * 1024), cart: [] } })
    await store.create(record)
    let writing = true
    const writes = (async () => {
      for (let index = 0; index < 8; index++) {
        await store.update(record.idHash, { changes: [{ kind: 'append', key: 'cart', values: [index] }] })
      }
      writing = false
    })()
    const seen: (SessionRecord | undefined)[] = []
    while (writing) seen.push(await store.load(record.idHash))
    await writes
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((loaded) => loaded?.data.blob === record.data.blob)).toBe(true)
  })
})

describe('the end of a session', () => {
  test('destroy deletes the item and its object; a late write gets SessionGoneError and resurrects nothing', async () => {
    const store = storeWith()
    const record = recordOfSize(150)
    await store.create(record)
    const key = (await pointerKey(record.idHash)) as string
    await store.destroy(record.idHash)
    expect(await rawItem(client, tableName, record.idHash)).toBeUndefined()
    expect(await objectExists(key)).toBe(false)

    for (const update of [
      { changes: [{ kind: 'append' as const, key: 'cart', values: [1] }] },
      { changes: [{ kind: 'set' as const, key: 'blob', value: 'y'.repeat(200 * 1024), expectedVersion: 1 }] },
    ]) {
      expect(await rejectionOf(store.update(record.idHash, update))).toBeInstanceOf(SessionGoneError)
    }
    expect(await rawItem(client, tableName, record.idHash)).toBeUndefined()
    await store.destroy(record.idHash) // deleting a missing session is fine
  })

  test('replace retires an overflowed session and its object; the new session carries the data', async () => {
    const store = storeWith()
    const old = recordOfSize(150)
    await store.create(old)
    const oldKey = (await pointerKey(old.idHash)) as string
    const next = { ...old, idHash: recordOfSize(0).idHash, userId: 'user-2' }
    await store.replace(old.idHash, next)
    expect(await rawItem(client, tableName, old.idHash)).toBeUndefined()
    expect(await objectExists(oldKey)).toBe(false)
    expect(await store.load(next.idHash)).toEqual(next)
    // The old session is gone: regenerating it again, or writing to it, can't bring it back.
    const again = { ...old, idHash: recordOfSize(0).idHash }
    expect(await rejectionOf(store.replace(old.idHash, again))).toBeInstanceOf(SessionGoneError)
    expect(await rawItem(client, tableName, again.idHash)).toBeUndefined()
  })
})

describe('crossing the threshold', () => {
  test('an inline session that grows past it moves to S3, and back into the item when it shrinks', async () => {
    const store = storeWith()
    const record = sessionRecord({ data: { small: 1 }, versions: { small: 1 } })
    await store.create(record)
    expect(await pointerKey(record.idHash)).toBeUndefined()

    // Small appends add up: the size bound catches the crossing without reading the item.
    for (let step = 0; step < 6; step++) {
      await store.update(record.idHash, { changes: [{ kind: 'append', key: 'log', values: ['z'.repeat(20 * 1024)] }] })
    }
    const key = await pointerKey(record.idHash)
    expect(key).toBeDefined()
    const grown = await store.load(record.idHash)
    expect(grown?.data.log).toHaveLength(6)
    expect(grown?.versions.log).toBe(6)

    await store.update(record.idHash, { changes: [{ kind: 'delete', key: 'log', expectedVersion: 6 }] })
    expect(await pointerKey(record.idHash)).toBeUndefined()
    expect(await objectExists(key as string)).toBe(false)
    const shrunk = await store.load(record.idHash)
    expect(shrunk?.data).toEqual({ small: 1 })
    expect(shrunk?.versions).toEqual({ small: 1, log: 7 })
    expect((await rawItem(client, tableName, record.idHash))?.data?.M?.small).toEqual({ N: '1' })
  })

  test('one set larger than the threshold goes straight to S3', async () => {
    const store = storeWith()
    const record = sessionRecord({ data: { a: 1 }, versions: { a: 1 } })
    await store.create(record)
    const blob = 'q'.repeat(THRESHOLD + 1)
    await store.update(record.idHash, { changes: [{ kind: 'set', key: 'blob', value: blob, expectedVersion: 0 }] })
    expect(await pointerKey(record.idHash)).toBeDefined()
    expect((await store.load(record.idHash))?.data).toEqual({ a: 1, blob })
  })

  test('a session between half the threshold and the threshold stays where it is', async () => {
    const store = storeWith()
    const record = recordOfSize(150)
    await store.create(record)
    await store.update(record.idHash, {
      changes: [{ kind: 'set', key: 'blob', value: 'x'.repeat(70 * 1024), expectedVersion: 1 }],
    })
    expect(await pointerKey(record.idHash)).toBeDefined()
  })

  test('a custom threshold applies; an item written without the option is measured by its first write', async () => {
    const plain = new DynamoDBSessionStore({ client, tableName })
    const small = sessionRecord({ data: { a: 1 }, versions: { a: 1 } })
    const large = sessionRecord({ data: { a: 'x'.repeat(10 * 1024) }, versions: { a: 1 } })
    await Promise.all([plain.create(small), plain.create(large)])
    const store = storeWith({
      largeSessions: { client: s3, bucket: BUCKET, prefix: 'test/', thresholdBytes: 12 * 1024 },
    })
    const set = (value: string) => ({ changes: [{ kind: 'set' as const, key: 'b', value, expectedVersion: 0 }] })
    await store.update(small.idHash, set('y'))
    await store.update(large.idHash, set('y'.repeat(4096)))

    const smallItem = await rawItem(client, tableName, small.idHash)
    expect(smallItem?.[LARGE_SESSION_ATTRIBUTES.size]?.N).toBeDefined()
    expect(smallItem?.[LARGE_SESSION_ATTRIBUTES.object]).toBeUndefined()
    expect(await pointerKey(large.idHash)).toBeDefined()
    expect((await store.load(large.idHash))?.data).toEqual({ a: large.data.a, b: 'y'.repeat(4096) })
  })
})
