import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { hashSessionId } from '@lambda-session/core'
import { createStoreClient } from '@lambda-session/dynamodb-store'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { invoke, request, sidFrom } from './support/invoke.js'
import { injectLatency, loseAnswers } from './support/sdk-faults.js'

// The sharpest case of the store-freeze audit, made deterministic: the
// checkout's session write reaches DynamoDB, its answer is lost, the client
// gets a 503 and retries with the same Idempotency-Key, as it should.
// Exactly-once means the key still yields one order.
const tables = faultTables('ambiguous')
let client: DynamoDBClient

beforeAll(async () => {
  client = createStoreClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  await ensureFaultTables(process.env.DYNAMODB_ENDPOINT as string, tables)
})
afterAll(() => client.destroy())

test('a checkout whose session write landed but whose answer was lost is not applied a second time by the retry', async () => {
  const app = createFaultApp({ client, tables })
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId: 'buyer' } }))
  const sid = sidFrom(login.response)
  const key = 'checkout-key-0001'

  const lost = loseAnswers(client, 1, { commands: ['UpdateItemCommand'], tableName: tables.sessionTable })
  const first = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(lost.injected).toBe(1)
  expect(first.outcome).toBe(503) // the store can't know whether the write landed: a 503, and the client retries
  expect(first.retryAfter).toBe('1')

  const retry = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(retry.outcome).toBe(200)

  const orders = (await app.sessionStore.load(idHashOf(sid as string)))?.data.orders as string[]
  const ordersForKey = orders.filter((entry) => entry.startsWith(`${key}:`))
  expect(ordersForKey).toHaveLength(1)
})

test('a checkout whose slow session write lands after the watchdog answered 503 is not applied a second time by the retry', async () => {
  const app = createFaultApp({ client, tables, watchdogMarginMs: 300 })
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId: 'buyer-2' } }))
  const sid = sidFrom(login.response)
  const key = 'checkout-key-0002'

  // Only the session write is slow: the load and the lock are quick, the
  // handler runs, the saver's UpdateItem is in flight when the watchdog fires.
  const latency = injectLatency(client, 1500, { commands: ['UpdateItemCommand'], tableName: tables.sessionTable })
  const first = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }), {
    functionTimeoutMs: 1000,
  })
  latency.setLatency(0)
  expect(first.outcome).toBe(503)
  expect(JSON.parse(first.response?.body ?? '{}').message).toMatch(/took too long/)
  await new Promise((resolve) => setTimeout(resolve, 2000)) // the abandoned write lands meanwhile

  const retry = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(retry.outcome).toBe(200)
  const orders = (await app.sessionStore.load(idHashOf(sid as string)))?.data.orders as string[]
  expect(orders.filter((entry) => entry.startsWith(`${key}:`))).toHaveLength(1)
})

function idHashOf(sid: string): string {
  return hashSessionId(sid.slice(0, sid.lastIndexOf('.')))
}
