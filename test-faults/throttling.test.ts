import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import type { Logger } from '@lambda-session/core'
import { createStoreClient, storeCallDefaults } from '@lambda-session/dynamodb-store'
import { type BurstRequest, type BurstUser, countOutcomes, runBurst, signIn } from './support/burst.js'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { formatCounts, percentile, recordFigures } from './support/figures.js'
import { injectThrottling } from './support/sdk-faults.js'
import { seededRandom } from './support/seeded-random.js'
import { auditSessions } from './support/table-audit.js'

// Throttling injected the way DynamoDB answers it (ProvisionedThroughput-
// ExceededException and ThrottlingException, a 400 with the throttling
// retry trait), inside the SDK's retry loop. The client is createStoreClient's
// (one SDK attempt), so the stores' own jittered retries are the only ones.
const FUNCTION_TIMEOUT_MS = 3000
const USERS = 6
const SEED = 20_261_128
const tables = faultTables('throttle')
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

/** Counts the stores' retry logs by reason. */
function retryCounter() {
  const retries: Record<string, number> = {}
  const logger: Logger = {
    debug(message, details) {
      if (message.includes('retrying a DynamoDB call')) {
        const reason = String(details?.reason)
        retries[reason] = (retries[reason] ?? 0) + 1
      }
    },
    info() {},
    warn() {},
    error() {},
  }
  return { retries, logger }
}

async function burstWith(throttling: Parameters<typeof injectThrottling>[1], durationMs: number) {
  const { retries, logger } = retryCounter()
  const app = createFaultApp({ client, tables, logger })
  const users: BurstUser[] = Array.from({ length: USERS }, (_, index) => ({
    index,
    sid: undefined,
    handler: app.handler,
  }))
  await signIn(users, FUNCTION_TIMEOUT_MS)
  const injection = injectThrottling(client, throttling)
  const burst = await runBurst({ users, durationMs, functionTimeoutMs: FUNCTION_TIMEOUT_MS })
  injection.stop()
  return { app, burst, counts: injection.counts, retries }
}

function latencies(burst: readonly BurstRequest[]): string {
  const ms = burst.map((r) => r.ms)
  return `p50 ${Math.round(percentile(ms, 50))} ms, p99 ${Math.round(percentile(ms, 99))} ms, max ${Math.round(Math.max(...ms))} ms`
}

test('every store call throttled twice, then served: all requests succeed, every throttle retried', async () => {
  const { app, burst, counts, retries } = await burstWith({ firstAttemptsOfEachCall: 2 }, 1500)
  expect(countOutcomes(burst)).toEqual({ '200': burst.length })
  expect(counts.injected).toBeGreaterThan(2 * burst.length) // at least a load and a write per request
  expect(retries.throttled).toBe(counts.injected)
  expect(Object.keys(counts.byName).sort()).toEqual(['ProvisionedThroughputExceededException', 'ThrottlingException'])
  const audit = await auditSessions(client, tables.sessionTable, app.sessionStore, burst)
  expect(audit).toMatchObject({ lostAcknowledged: 0, appliedTwice: 0, unreadable: 0, keysWithSeveralOrders: 0 })

  recordFigures({
    id: '20-throttling-survived',
    title: 'Throttling: every store call throttled twice',
    command: 'pnpm test:faults (test-faults/throttling.test.ts)',
    setup:
      `${USERS} clients for 1.5 s; the first two attempts of every DynamoDB call fail with ProvisionedThroughputExceededException ` +
      `or ThrottlingException; store budget: ${storeCallDefaults.maxAttempts} attempts, full-jitter back-off from ${storeCallDefaults.retryBaseDelayMs} ms.`,
    rows: [
      ['requests', `${burst.length}: ${formatCounts(countOutcomes(burst))}`],
      ['throttling errors injected', `${counts.injected} (${formatCounts(counts.byName)})`],
      ['throttles survived (retried, then served)', counts.injected],
      ['latency', latencies(burst)],
      ['acknowledged writes lost / applied twice', `${audit.lostAcknowledged} / ${audit.appliedTwice}`],
    ],
  })
})

test('random throttling (30 % of attempts): served or 503 with Retry-After, never a 500, nothing lost', async () => {
  const random = seededRandom(SEED)
  const { app, burst, counts, retries } = await burstWith({ probability: 0.3, random }, 2500)
  const outcomes = countOutcomes(burst)
  expect(Object.keys(outcomes).every((status) => status === '200' || status === '503')).toBe(true)
  expect(burst.filter((r) => r.outcome === 503).every((r) => r.retryAfter === '1')).toBe(true)
  expect(outcomes['200']).toBeGreaterThan(0.85 * burst.length) // 0.3³ per call: 503 is the rare exception
  const audit = await auditSessions(client, tables.sessionTable, app.sessionStore, burst)
  expect(audit).toMatchObject({ lostAcknowledged: 0, appliedTwice: 0, unreadable: 0, unknownEntries: 0 })

  recordFigures({
    id: '21-throttling-random',
    title: 'Throttling: 30 % of all DynamoDB attempts throttled at random',
    command: 'pnpm test:faults (test-faults/throttling.test.ts)',
    setup: `${USERS} clients for 2.5 s; each DynamoDB attempt is throttled with probability 0.3 (seed ${SEED}).`,
    rows: [
      ['requests', `${burst.length}: ${formatCounts(outcomes)}`],
      ['throttling errors injected', counts.injected],
      ['retried by the stores', retries.throttled ?? 0],
      ['503s (a call throttled on all its attempts), all with Retry-After', outcomes['503'] ?? 0],
      ['500s', outcomes['500'] ?? 0],
      ['latency', latencies(burst)],
      ['acknowledged writes lost / applied twice', `${audit.lostAcknowledged} / ${audit.appliedTwice}`],
    ],
  })
})

test('throttled on every attempt: a 503 with Retry-After within the retry budget, nothing written', async () => {
  const { app, burst, counts } = await burstWith({ firstAttemptsOfEachCall: Number.POSITIVE_INFINITY }, 1000)
  expect(countOutcomes(burst)).toEqual({ '503': burst.length })
  expect(burst.every((r) => r.retryAfter === '1')).toBe(true)
  // Three attempts, two back-offs of at most 50 and 100 ms: well under a second.
  const slowest = Math.max(...burst.map((r) => r.ms))
  expect(slowest).toBeLessThan(1000)
  const audit = await auditSessions(client, tables.sessionTable, app.sessionStore, burst)
  expect(audit).toMatchObject({ landedAfter503: 0, unknownEntries: 0, unreadable: 0 })

  recordFigures({
    id: '22-throttling-permanent',
    title: 'Throttling: every attempt throttled',
    command: 'pnpm test:faults (test-faults/throttling.test.ts)',
    setup: `${USERS} clients for 1 s against a table that throttles everything.`,
    rows: [
      ['requests', `${burst.length}: ${formatCounts(countOutcomes(burst))}`],
      ['throttling errors injected', counts.injected],
      ['latency of the 503s', latencies(burst)],
      ['writes that landed', audit.landedAfter503],
    ],
  })
})
