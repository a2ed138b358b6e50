import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { hashSessionId } from '@lambda-session/core'
import { createStoreClient } from '@lambda-session/dynamodb-store'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { invoke, request, sidFrom } from './support/invoke.js'
import { injectLatency, loseAnswers } from './support/sdk-faults.js'

// The sharpest cases of the store-freeze audit, made deterministic: the
// checkout's commit (its session change and its stored response, one
// transaction) reaches DynamoDB or not, its answer is lost or late, and the
// client retries with the same Idempotency-Key, as it should. Exactly-once
// means the key still yields one order, whatever was lost.
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

test('a checkout whose commit landed but whose answer was lost is settled by the resend: one order, then a replay', async () => {
  const app = createFaultApp({ client, tables })
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId: 'buyer' } }))
  const sid = sidFrom(login.response)
  const key = 'checkout-key-0001'

  // The session change and the stored response go in one transaction; its
  // first answer is lost after DynamoDB applied it.
  const lost = loseAnswers(client, 1, { commands: ['TransactWriteItemsCommand'], tableName: tables.sessionTable })
  const first = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(lost.injected).toBe(1)
  // The store resends the same transaction (same ClientRequestToken): it
  // can't apply twice, so the resend settles the outcome within the request.
  expect(first.outcome).toBe(200)

  const retry = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(retry.outcome).toBe(200)
  expect(retry.response?.headers?.['Idempotent-Replayed']).toBe('true')
  expect(await ordersFor(app, sid, key)).toHaveLength(1)
})

test('a checkout whose every answer was lost gets a 503, and the retry replays the one order that landed', async () => {
  const app = createFaultApp({ client, tables })
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId: 'buyer-3' } }))
  const sid = sidFrom(login.response)
  const key = 'checkout-key-0003'

  const lost = loseAnswers(client, 1000, { commands: ['TransactWriteItemsCommand'], tableName: tables.sessionTable })
  const first = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  lost.stop()
  expect(lost.injected).toBeGreaterThanOrEqual(1)
  expect(first.outcome).toBe(503) // the store can't know whether the commit landed: a 503, and the client retries
  expect(first.retryAfter).toBe('1')

  const retry = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(retry.outcome).toBe(200)
  expect(retry.response?.headers?.['Idempotent-Replayed']).toBe('true')
  expect(await ordersFor(app, sid, key)).toHaveLength(1)
})

test('a checkout whose commit never reached DynamoDB gets a 503, and the retry places the order once', async () => {
  const app = createFaultApp({ client, tables })
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId: 'buyer-4' } }))
  const sid = sidFrom(login.response)
  const key = 'checkout-key-0004'

  // Every attempt times out before it is sent: nothing lands, and the
  // guard's release (the commit is conditional on the lock) makes sure
  // nothing can land later either.
  const delayMs = 8000 // past the store's 5 s budget: the caller gives up, the requests still go out later
  const latency = injectLatency(client, delayMs, {
    commands: ['TransactWriteItemsCommand'],
    tableName: tables.sessionTable,
  })
  const started = Date.now()
  const first = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  latency.setLatency(0)
  expect(first.outcome).toBe(503)

  const retry = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(retry.outcome).toBe(200)
  expect(retry.response?.headers?.['Idempotent-Replayed']).toBeUndefined()
  // The abandoned attempts reach DynamoDB after the retry committed: the lock
  // they are conditional on is gone, so they can't place a second order.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + delayMs + 1500 - Date.now())))
  expect(await ordersFor(app, sid, key)).toHaveLength(1)
}, 40_000)

test('a checkout whose slow session write lands after the watchdog answered 503 is not applied a second time by the retry', async () => {
  const app = createFaultApp({ client, tables, watchdogMarginMs: 300 })
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId: 'buyer-2' } }))
  const sid = sidFrom(login.response)
  const key = 'checkout-key-0002'

  // Only the session write is slow: the load and the lock are quick, the
  // handler runs, the saver's UpdateItem is in flight when the watchdog fires.
  const latency = injectLatency(client, 1500, {
    commands: ['TransactWriteItemsCommand'],
    tableName: tables.sessionTable,
  })
  const first = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }), {
    functionTimeoutMs: 1000,
  })
  latency.setLatency(0)
  expect(first.outcome).toBe(503)
  expect(JSON.parse(first.response?.body ?? '{}').message).toMatch(/took too long/)
  await new Promise((resolve) => setTimeout(resolve, 2000)) // the abandoned write lands meanwhile

  const retry = await invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }))
  expect(retry.outcome).toBe(200)
  expect(await ordersFor(app, sid, key)).toHaveLength(1)
})

async function ordersFor(app: ReturnType<typeof createFaultApp>, sid: string | undefined, key: string) {
  const idHash = hashSessionId((sid as string).slice(0, (sid as string).lastIndexOf('.')))
  const orders = ((await app.sessionStore.load(idHash))?.data.orders ?? []) as string[]
  return orders.filter((entry) => entry.startsWith(`${key}:`))
}
