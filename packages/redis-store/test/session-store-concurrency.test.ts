import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { SessionConflictError } from '@lambda-session/core'
import { RedisSessionStore } from '@lambda-session/redis-store'
import type { Redis } from 'ioredis'
import { startRedisServer } from '../src/testing/index.js'
import { connectClient, sessionRecord } from './helpers.js'

// Parallel Lambda invocations each have their own connection: the writes
// below go out at once over ten connections, so Redis interleaves them.
const PARALLEL = 50
let server: Awaited<ReturnType<typeof startRedisServer>>
let clients: Redis[]
let stores: RedisSessionStore[]
const storeFor = (index: number) => stores[index % stores.length] as RedisSessionStore

beforeAll(async () => {
  server = await startRedisServer()
  clients = await Promise.all(Array.from({ length: 10 }, () => connectClient(server)))
  stores = clients.map((client) => new RedisSessionStore({ client }))
})
afterAll(async () => {
  for (const client of clients) client.disconnect()
  await server.stop()
})

test(`${PARALLEL} concurrent increments all apply`, async () => {
  const record = sessionRecord({ data: { views: 10 } })
  await storeFor(0).create(record)
  await Promise.all(
    Array.from({ length: PARALLEL }, (_, index) =>
      storeFor(index).update(record.idHash, { changes: [{ kind: 'increment', key: 'views', by: 1 }] }),
    ),
  )
  const loaded = await storeFor(0).load(record.idHash)
  expect(loaded?.data.views).toBe(10 + PARALLEL)
  expect(loaded?.versions.views).toBe(PARALLEL)
})

test(`${PARALLEL} concurrent appends all apply`, async () => {
  const record = sessionRecord()
  await storeFor(0).create(record)
  await Promise.all(
    Array.from({ length: PARALLEL }, (_, index) =>
      storeFor(index).update(record.idHash, {
        changes: [{ kind: 'append', key: 'cart', values: [{ sku: `S${index}` }] }],
      }),
    ),
  )
  const cart = (await storeFor(0).load(record.idHash))?.data.cart as { sku: string }[]
  expect(cart).toHaveLength(PARALLEL)
  expect(new Set(cart.map((item) => item.sku)).size).toBe(PARALLEL)
})

test('concurrent sets of different keys all survive', async () => {
  const record = sessionRecord({ data: { untouched: true } })
  await storeFor(0).create(record)
  await Promise.all(
    Array.from({ length: PARALLEL }, (_, index) =>
      storeFor(index).update(record.idHash, {
        changes: [{ kind: 'set', key: `k${index}`, value: index, expectedVersion: 0 }],
      }),
    ),
  )
  const data = (await storeFor(0).load(record.idHash))?.data
  expect(Object.keys(data ?? {})).toHaveLength(PARALLEL + 1)
  for (let index = 0; index < PARALLEL; index++) expect(data?.[`k${index}`]).toBe(index)
})

test('concurrent sets of one key: exactly one wins, every other one conflicts (none is silently lost)', async () => {
  const record = sessionRecord()
  await storeFor(0).create(record)
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, index) =>
      storeFor(index).update(record.idHash, {
        changes: [{ kind: 'set', key: 'plan', value: index, expectedVersion: 0 }],
      }),
    ),
  )
  const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []))
  expect(winners).toHaveLength(1)
  for (const result of results) {
    if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(SessionConflictError)
  }
  expect((await storeFor(0).load(record.idHash))?.data.plan).toBe(winners[0])
})

test('an increment racing a set of the same key makes the set conflict instead of erasing the increment', async () => {
  const record = sessionRecord({ data: { n: 1 }, versions: { n: 1 } })
  await storeFor(0).create(record)
  await storeFor(1).update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] })
  const error = await storeFor(2)
    .update(record.idHash, { changes: [{ kind: 'set', key: 'n', value: 100, expectedVersion: 1 }] })
    .catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(SessionConflictError)
  expect((await storeFor(0).load(record.idHash))?.data.n).toBe(2)
})

test('updates racing a destroy never bring the session back', async () => {
  for (let round = 0; round < 20; round++) {
    const record = sessionRecord({ userId: `racer-${round}` })
    await storeFor(0).create(record)
    const writes = Array.from({ length: 9 }, (_, index) =>
      storeFor(index + 1).update(record.idHash, {
        changes: [{ kind: 'increment', key: 'n', by: 1 }],
        touch: { lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 },
      }),
    )
    await Promise.allSettled([...writes, storeFor(round).destroy(record.idHash)])
    expect(await storeFor(0).load(record.idHash)).toBeUndefined()
    expect(await clients[0]?.exists(`ls:u:racer-${round}`)).toBe(0)
  }
})
