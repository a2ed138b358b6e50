import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { createStoreClient } from '@lambda-session/dynamodb-store'
import { timeoutWatchdogDefaults } from '@lambda-session/timeout-watchdog'
import { type BurstUser, countOutcomes, runBurst, signIn } from './support/burst.js'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { formatCounts, percentile, recordFigures } from './support/figures.js'
import { injectLatency } from './support/sdk-faults.js'
import { auditIdempotency, auditSessions } from './support/table-audit.js'

// Latency injected into every DynamoDB request (before it is sent), with
// timeoutWatchdog first in the chain: the client must get its answer before
// the function's deadline, whatever the store does.
const USERS = 4
const MARGIN_MS = 300
const tables = faultTables('slow')
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

async function slowBurst(latencyMs: number, functionTimeoutMs: number, watchdog: boolean, durationMs: number) {
  const app = createFaultApp({ client, tables, ...(watchdog ? { watchdogMarginMs: MARGIN_MS } : {}) })
  const users: BurstUser[] = Array.from({ length: USERS }, (_, index) => ({
    index,
    sid: undefined,
    handler: app.handler,
  }))
  await signIn(users, 10_000)
  const latency = injectLatency(client, latencyMs)
  const burst = await runBurst({ users, durationMs, functionTimeoutMs })
  latency.setLatency(0)
  return { app, burst }
}

const ms = (values: number[]) =>
  `p50 ${Math.round(percentile(values, 50))} ms, max ${Math.round(Math.max(...values))} ms`

test('a store slower than the whole function: the watchdog answers 503 + Retry-After before the deadline, and nothing is written', async () => {
  const FUNCTION_TIMEOUT_MS = 1000
  const LATENCY_MS = 1500
  const { app, burst } = await slowBurst(LATENCY_MS, FUNCTION_TIMEOUT_MS, true, 2000)
  expect(countOutcomes(burst)).toEqual({ '503': burst.length })
  expect(burst.every((r) => r.retryAfter === '1')).toBe(true)
  expect(burst.every((r) => JSON.parse(r.response?.body ?? '{}').message === timeoutWatchdogDefaults.message)).toBe(
    true,
  )
  const slowest = Math.max(...burst.map((r) => r.ms))
  expect(slowest).toBeLessThan(FUNCTION_TIMEOUT_MS)
  expect(Math.min(...burst.map((r) => r.ms))).toBeGreaterThanOrEqual(FUNCTION_TIMEOUT_MS - MARGIN_MS - 5)

  // Let the abandoned chains and the requests they had sent settle.
  await new Promise((resolve) => setTimeout(resolve, 2 * LATENCY_MS + 500))
  const sessions = await auditSessions(client, tables.sessionTable, app.sessionStore, burst)
  expect(sessions).toMatchObject({ landedAfter503: 0, unknownEntries: 0, unreadable: 0 })
  const idempotency = await auditIdempotency(client, tables.idempotencyTable, Date.now())
  expect(idempotency).toMatchObject({ completed: 0, malformed: 0, locksBeyondBound: 0 })

  recordFigures({
    id: '30-slow-store-watchdog',
    title: 'Slow store with the watchdog: store slower than the function',
    command: 'pnpm test:faults (test-faults/slow-store-watchdog.test.ts)',
    setup:
      `${USERS} clients for 2 s; every DynamoDB request waits ${LATENCY_MS} ms before it is sent; function timeout ` +
      `${FUNCTION_TIMEOUT_MS} ms, timeoutWatchdog margin ${MARGIN_MS} ms.`,
    rows: [
      ['requests', `${burst.length}: ${formatCounts(countOutcomes(burst))} (all the watchdog's, with Retry-After: 1)`],
      ['answer time', `${ms(burst.map((r) => r.ms))} (deadline ${FUNCTION_TIMEOUT_MS} ms)`],
      ['session writes that landed after the 503', sessions.landedAfter503],
      ['idempotency records completed by abandoned requests', idempotency.completed],
      ['locks outliving their invocation', idempotency.locksBeyondBound],
    ],
  })
})

test('a slow store within budget: every request served before the deadline', async () => {
  const FUNCTION_TIMEOUT_MS = 3000
  const LATENCY_MS = 150
  const { app, burst } = await slowBurst(LATENCY_MS, FUNCTION_TIMEOUT_MS, true, 2000)
  expect(countOutcomes(burst)).toEqual({ '200': burst.length })
  expect(Math.max(...burst.map((r) => r.ms))).toBeLessThan(FUNCTION_TIMEOUT_MS - MARGIN_MS)
  const sessions = await auditSessions(client, tables.sessionTable, app.sessionStore, burst)
  expect(sessions).toMatchObject({ lostAcknowledged: 0, appliedTwice: 0 })

  recordFigures({
    id: '31-slow-store-served',
    title: 'Slow store with the watchdog: store slow but within budget',
    command: 'pnpm test:faults (test-faults/slow-store-watchdog.test.ts)',
    setup: `${USERS} clients for 2 s; every DynamoDB request waits ${LATENCY_MS} ms; function timeout ${FUNCTION_TIMEOUT_MS} ms, margin ${MARGIN_MS} ms.`,
    rows: [
      ['requests', `${burst.length}: ${formatCounts(countOutcomes(burst))}`],
      ['answer time', ms(burst.map((r) => r.ms))],
      ['acknowledged writes lost', sessions.lostAcknowledged],
    ],
  })
})

test('the same slow store without the watchdog answers after the deadline (Lambda would have killed it)', async () => {
  const FUNCTION_TIMEOUT_MS = 1000
  const LATENCY_MS = 1500
  const { burst } = await slowBurst(LATENCY_MS, FUNCTION_TIMEOUT_MS, false, 1000)
  expect(burst.every((r) => r.ms > FUNCTION_TIMEOUT_MS)).toBe(true)

  recordFigures({
    id: '32-slow-store-unwatched',
    title: 'Slow store without the watchdog (for contrast)',
    command: 'pnpm test:faults (test-faults/slow-store-watchdog.test.ts)',
    setup: `The first scenario's ${LATENCY_MS} ms store and ${FUNCTION_TIMEOUT_MS} ms function, without timeoutWatchdog.`,
    rows: [
      ['requests', `${burst.length}: ${formatCounts(countOutcomes(burst))}`],
      [
        'answer time',
        `${ms(burst.map((r) => r.ms))}: every one past the deadline, where Lambda kills the function and API Gateway answers 502/504`,
      ],
    ],
  })
})
