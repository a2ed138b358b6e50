import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { createStoreClient, storeCallDefaults } from '@lambda-session/dynamodb-store'
import { type DynamoDBLocal, findFreePort, startDynamoDBLocal } from '@lambda-session/testing'
import { type BurstRequest, type BurstUser, countOutcomes, runBurst, signIn } from './support/burst.js'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { formatCounts, percentile, recordFigures } from './support/figures.js'
import { invoke, request } from './support/invoke.js'

// DynamoDB Local is killed in the middle of a burst and started again on the
// same port. The app uses what the README recommends: a client from
// createStoreClient (1 SDK attempt, throwing timeouts), the stores' default
// budget, and the watchdog first in the chain, on Lambda's default 3 s timeout.
const FUNCTION_TIMEOUT_MS = 3000
const WATCHDOG_MARGIN_MS = 500
const USERS = 8
const BURST_MS = 3000
const CRASH_AT_MS = 1200

let port: number
let local: DynamoDBLocal
let client: DynamoDBClient
const tables = faultTables('crash')

beforeAll(async () => {
  port = await findFreePort()
  local = await startDynamoDBLocal({ port })
  client = createStoreClient({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  await ensureFaultTables(local.endpoint, tables)
}, 60_000)

afterAll(async () => {
  client?.destroy()
  await local?.stop()
})

test('DynamoDB Local killed mid-burst: every request answers 200 or 503 + Retry-After in time; the warm handler recovers', async () => {
  const app = createFaultApp({ client, tables, watchdogMarginMs: WATCHDOG_MARGIN_MS })
  const users: BurstUser[] = Array.from({ length: USERS }, (_, index) => ({
    index,
    sid: undefined,
    handler: app.handler,
  }))
  await signIn(users, FUNCTION_TIMEOUT_MS)

  // The stop starts with SIGTERM and ends when the process has exited; requests in between may still be served.
  let stopStartedAt = Number.POSITIVE_INFINITY
  let crashedAt = Number.POSITIVE_INFINITY
  const started = performance.now()
  const burst = await runBurst({
    users,
    durationMs: BURST_MS,
    functionTimeoutMs: FUNCTION_TIMEOUT_MS,
    faultAtMs: CRASH_AT_MS,
    fault: async () => {
      stopStartedAt = performance.now() - started
      await local.stop()
      crashedAt = performance.now() - started
    },
  })

  const outcomes = countOutcomes(burst)
  const during = burst.filter((r) => r.sentAt >= crashedAt)
  const unavailable = burst.filter((r) => r.outcome === 503)
  // Only two answers exist: served, or 503 with Retry-After. No 500, no hang, no crash of the handler.
  expect(Object.keys(outcomes).sort()).toEqual(['200', '503'])
  expect(unavailable.every((r) => r.retryAfter !== undefined && Number(r.retryAfter) >= 1)).toBe(true)
  expect(during.length).toBeGreaterThanOrEqual(USERS) // every client kept sending while it was down
  expect(during.every((r) => r.outcome === 503)).toBe(true)
  // Before the crash everything was served.
  expect(burst.filter((r) => r.sentAt + r.ms < stopStartedAt).every((r) => r.outcome === 200)).toBe(true)
  // Within the function's timeout, always: a client never waits on a dead store.
  const slowest = Math.max(...burst.map((r) => r.ms))
  expect(slowest).toBeLessThan(FUNCTION_TIMEOUT_MS)

  // Back on the same port. DynamoDB Local runs in memory, so its tables are
  // gone: create them again, as a deploy would find them. Same handler, same client.
  const restartStarted = performance.now()
  local = await startDynamoDBLocal({ port })
  await ensureFaultTables(local.endpoint, tables)
  const restartMs = performance.now() - restartStarted
  await signIn(users, FUNCTION_TIMEOUT_MS)
  const after: BurstRequest[] = await runBurst({ users, durationMs: 1000, functionTimeoutMs: FUNCTION_TIMEOUT_MS })
  expect(countOutcomes(after)).toEqual({ '200': after.length })
  const user = users[0] as BurstUser
  const cart = await invoke(app.handler, request('GET', '/cart', { sid: user.sid }))
  const added = after.filter((r) => r.user === 0 && r.kind === 'add').map((r) => r.token)
  expect(JSON.parse(cart.response?.body ?? '{}').cart).toEqual(added)

  recordFigures({
    id: '10-outage-crash',
    title: 'Store outage: DynamoDB Local killed mid-burst',
    command: 'pnpm test:faults (test-faults/store-crash.test.ts)',
    setup:
      `${USERS} clients send add-to-cart, read-cart and checkout requests back to back for ${BURST_MS} ms; ` +
      `DynamoDB Local is stopped ${CRASH_AT_MS} ms in and stays down. Client from createStoreClient, default store budget ` +
      `(${storeCallDefaults.timeoutMs} ms, ${storeCallDefaults.maxAttempts} attempts), watchdog margin ${WATCHDOG_MARGIN_MS} ms, function timeout ${FUNCTION_TIMEOUT_MS} ms.`,
    rows: [
      ['requests in the burst', burst.length],
      ['how they ended', formatCounts(outcomes)],
      ['sent while the store was down', `${during.length}, all 503`],
      ['503s with Retry-After', `${unavailable.filter((r) => r.retryAfter).length} of ${unavailable.length}`],
      ['500s, hangs, handler crashes', `${(outcomes['500'] ?? 0) + (outcomes.hung ?? 0) + (outcomes.threw ?? 0)}`],
      [
        '503 latency p50 / p99 / max',
        `${msOf(
          percentile(
            unavailable.map((r) => r.ms),
            50,
          ),
        )} / ${msOf(
          percentile(
            unavailable.map((r) => r.ms),
            99,
          ),
        )} / ${msOf(Math.max(...unavailable.map((r) => r.ms)))}`,
      ],
      ['slowest answer of the burst', `${msOf(slowest)} (function timeout ${FUNCTION_TIMEOUT_MS} ms)`],
      ['restart on the same port + tables', msOf(restartMs)],
      ['after the restart, same warm handler', `${formatCounts(countOutcomes(after))} (all served)`],
    ],
  })
})

function msOf(ms: number): string {
  return `${Math.round(ms)} ms`
}
