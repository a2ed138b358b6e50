import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { SessionConflictError } from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { localClient, sessionRecord, uniqueTableName } from './helpers.js'

// Each test fires its writes at once through one client, the way parallel
// Lambda invocations hit one session item.
const client = localClient()
const tableName = uniqueTableName('concurrency')
const store = new DynamoDBSessionStore({ client, tableName, timeoutMs: 30_000, attemptTimeoutMs: 10_000 }) // races, not outages, are tested here
const PARALLEL = 50

beforeAll(() => ensureSessionTable({ client, tableName }))
afterAll(() => client.destroy())

test(`${PARALLEL} concurrent increments all apply`, async () => {
  const record = sessionRecord({ data: { views: 10 } })
  await store.create(record)
  await Promise.all(
    Array.from({ length: PARALLEL }, () =>
      store.update(record.idHash, { changes: [{ kind: 'increment', key: 'views', by: 1 }] }),
    ),
  )
  const loaded = await store.load(record.idHash)
  expect(loaded?.data.views).toBe(10 + PARALLEL)
  expect(loaded?.versions.views).toBe(PARALLEL)
})

test(`${PARALLEL} concurrent appends all apply`, async () => {
  const record = sessionRecord()
  await store.create(record)
  await Promise.all(
    Array.from({ length: PARALLEL }, (_, index) =>
      store.update(record.idHash, { changes: [{ kind: 'append', key: 'cart', values: [{ sku: `S${index}` }] }] }),
    ),
  )
  const cart = (await store.load(record.idHash))?.data.cart as { sku: string }[]
  expect(cart).toHaveLength(PARALLEL)
  expect(new Set(cart.map((item) => item.sku)).size).toBe(PARALLEL)
})

test('concurrent sets of different keys all survive', async () => {
  const record = sessionRecord({ data: { untouched: true } })
  await store.create(record)
  await Promise.all(
    Array.from({ length: PARALLEL }, (_, index) =>
      store.update(record.idHash, { changes: [{ kind: 'set', key: `k${index}`, value: index, expectedVersion: 0 }] }),
    ),
  )
  const data = (await store.load(record.idHash))?.data
  expect(Object.keys(data ?? {})).toHaveLength(PARALLEL + 1)
  for (let index = 0; index < PARALLEL; index++) expect(data?.[`k${index}`]).toBe(index)
})

test('concurrent sets of one key: exactly one wins, every other one conflicts (none is silently lost)', async () => {
  const record = sessionRecord()
  await store.create(record)
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, index) =>
      store.update(record.idHash, { changes: [{ kind: 'set', key: 'plan', value: index, expectedVersion: 0 }] }),
    ),
  )
  const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []))
  expect(winners).toHaveLength(1)
  for (const result of results) {
    if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(SessionConflictError)
  }
  expect((await store.load(record.idHash))?.data.plan).toBe(winners[0])
})

test('an increment racing a set of the same key makes the set conflict instead of erasing the increment', async () => {
  const record = sessionRecord({ data: { n: 1 }, versions: { n: 1 } })
  await store.create(record)
  await store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 1 }] })
  const error = await store
    .update(record.idHash, { changes: [{ kind: 'set', key: 'n', value: 100, expectedVersion: 1 }] })
    .catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(SessionConflictError)
  expect((await store.load(record.idHash))?.data.n).toBe(2)
})
