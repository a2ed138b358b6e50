import { monitorEventLoopDelay } from 'node:perf_hooks'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { storeCallDefaults } from '@lambda-session/dynamodb-store'
import {
  createLocalDynamoDBClient,
  type DynamoDBLocal,
  findFreePort,
  startDynamoDBLocal,
} from '@lambda-session/testing'
import { type BurstRequest, type BurstUser, countOutcomes, runBurst, signIn } from './support/burst.js'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { formatCounts, recordFigures } from './support/figures.js'
import { invoke, type LambdaHandler, request } from './support/invoke.js'
import { auditIdempotency, auditSessions } from './support/table-audit.js'

// DynamoDB Local's process is frozen (SIGSTOP) in the middle of a burst: the
// port still accepts connections, nothing answers, and every request sent
// meanwhile is processed when it thaws (SIGCONT), after its client was told
// 503. The worst kind of outage for a client without timeouts, and the one
// that can leave data half-written, so the tables are audited afterwards.
// The SDK client here has no timeouts at all (SDK defaults): only the stores'
// default budget bounds the calls. Half the clients go through a chain with
// the watchdog (3 s function timeout), half through one without (12 s).
const WATCHED_TIMEOUT_MS = 3000
const UNWATCHED_TIMEOUT_MS = 12_000
const WATCHDOG_MARGIN_MS = 500
const USERS_PER_CHAIN = 6
const FREEZE_AT_MS = 1500
const FREEZE_MS = 6000
const BURST_MS = FREEZE_AT_MS + FREEZE_MS

let local: DynamoDBLocal
let client: DynamoDBClient
let auditor: DynamoDBClient
const tables = faultTables('freeze')

beforeAll(async () => {
  local = await startDynamoDBLocal({ port: await findFreePort() })
  client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  auditor = createLocalDynamoDBClient(local.endpoint)
  await ensureFaultTables(local.endpoint, tables)
}, 60_000)

afterAll(async () => {
  process.kill(local.pid, 'SIGCONT') // never leave it frozen, whatever failed
  client?.destroy()
  auditor?.destroy()
  await local?.stop()
})

/** Retries a checkout with its key until it is served, honouring 409's Retry-After, as a client would. */
async function retryUntilServed(handler: LambdaHandler, original: BurstRequest, timeoutMs: number) {
  const attempts: BurstRequest[] = []
  const giveUpAt = performance.now() + 20_000
  while (performance.now() < giveUpAt) {
    const event = request('POST', '/checkout', { sid: original.sid, idempotencyKey: original.token })
    const answer = await invoke(handler, event, { functionTimeoutMs: timeoutMs })
    const orderId = answer.outcome === 200 ? JSON.parse(answer.response?.body ?? '{}').orderId : undefined
    attempts.push({ ...original, ...answer, orderId })
    if (answer.outcome === 200) break
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(answer.retryAfter ?? 1)))
  }
  return attempts
}

test('DynamoDB Local frozen mid-burst: answers stay bounded, nothing is left half-written, every key recovers', async () => {
  const watched = createFaultApp({ client, tables, watchdogMarginMs: WATCHDOG_MARGIN_MS })
  const unwatched = createFaultApp({ client, tables })
  const chains = [
    { name: 'watched', handler: watched.handler, timeoutMs: WATCHED_TIMEOUT_MS },
    { name: 'unwatched', handler: unwatched.handler, timeoutMs: UNWATCHED_TIMEOUT_MS },
  ]
  const usersOf = chains.map((chain, c) =>
    Array.from(
      { length: USERS_PER_CHAIN },
      (_, i): BurstUser => ({
        index: c * USERS_PER_CHAIN + i,
        sid: undefined,
        handler: chain.handler,
      }),
    ),
  )
  for (const [c, users] of usersOf.entries()) await signIn(users, chains[c]?.timeoutMs as number)

  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  let frozenAt = Number.POSITIVE_INFINITY
  let thawedAtEpoch = 0
  const started = performance.now()
  const bursts = await Promise.all(
    chains.map((chain, c) =>
      runBurst({
        users: usersOf[c] as BurstUser[],
        durationMs: BURST_MS,
        functionTimeoutMs: chain.timeoutMs,
        ...(c === 0
          ? {
              faultAtMs: FREEZE_AT_MS,
              fault: async () => {
                frozenAt = performance.now() - started
                process.kill(local.pid, 'SIGSTOP')
                await new Promise((resolve) => setTimeout(resolve, FREEZE_MS))
                process.kill(local.pid, 'SIGCONT')
                thawedAtEpoch = Date.now()
              },
            }
          : {}),
      }),
    ),
  )
  lag.disable()
  const [watchedBurst, unwatchedBurst] = bursts as [BurstRequest[], BurstRequest[]]
  const all = [...watchedBurst, ...unwatchedBurst]

  const lagMaxMs = lag.max / 1e6
  const thawedAt = frozenAt + FREEZE_MS
  let servedCheckoutsWhileFrozen = 0
  for (const burst of bursts) {
    const outcomes = countOutcomes(burst)
    expect(Object.keys(outcomes).every((status) => status === '200' || status === '503')).toBe(true)
    expect(outcomes['503']).toBeGreaterThan(0)
    expect(burst.filter((r) => r.outcome === 503).every((r) => Number(r.retryAfter) >= 1)).toBe(true)
    // Served while frozen: only checkouts whose record completion was the call
    // left hanging; the guard answers those with the handler's response.
    const servedWhileFrozen = burst.filter(
      (r) => r.outcome === 200 && r.sentAt + r.ms > frozenAt + lagMaxMs + 50 && r.sentAt + r.ms < thawedAt,
    )
    expect(servedWhileFrozen.every((r) => r.kind === 'checkout')).toBe(true)
    servedCheckoutsWhileFrozen += servedWhileFrozen.length
  }
  // With the watchdog: whatever was sent while frozen, and could not be
  // served before the thaw, got its 503 by the watchdog's deadline.
  const watchedFrozen = watchedBurst.filter(
    (r) => r.sentAt > frozenAt + lagMaxMs + 50 && r.sentAt < thawedAt - WATCHED_TIMEOUT_MS,
  )
  expect(watchedFrozen.length).toBeGreaterThan(0)
  expect(watchedFrozen.every((r) => r.outcome === 503)).toBe(true)
  // The watchdog answers at timeout − margin, plus its hooks' budget (half the
  // margin); a timer can't fire while the event loop is blocked, so the
  // measured worst event-loop delay of this process is added.
  const watchedSlowest = Math.max(...watchedBurst.map((r) => r.ms))
  expect(watchedSlowest).toBeLessThan(WATCHED_TIMEOUT_MS - WATCHDOG_MARGIN_MS / 2 + lagMaxMs + 50)
  // Without the watchdog the stores' own deadlines bound the chain: at most
  // two store calls after the handler (the saver's write, then the guard's
  // release in onError), each ending by timeoutMs.
  const unwatchedSlowest = Math.max(...unwatchedBurst.map((r) => r.ms))
  expect(unwatchedSlowest).toBeLessThan(2 * storeCallDefaults.timeoutMs + 1000)

  // Let the frozen backlog land, then audit what is in the tables.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const lockBound = thawedAtEpoch + UNWATCHED_TIMEOUT_MS
  const idempotencyAfterThaw = await auditIdempotency(auditor, tables.idempotencyTable, lockBound)
  expect(idempotencyAfterThaw).toMatchObject({ malformed: 0, locksBeyondBound: 0 })

  // Every checkout the outage failed, retried with its own key until served.
  const unserved = all.filter((r) => r.kind === 'checkout' && r.outcome !== 200)
  const retries = (
    await Promise.all(
      unserved.map((r) => {
        const chain = chains[r.user < USERS_PER_CHAIN ? 0 : 1] as (typeof chains)[number]
        return retryUntilServed(chain.handler, r, chain.timeoutMs)
      }),
    )
  ).flat()
  const stuckKeys = unserved.filter((r) => !retries.some((a) => a.token === r.token && a.outcome === 200))
  expect(stuckKeys).toEqual([])

  const sessions = await auditSessions(auditor, tables.sessionTable, watched.sessionStore, [...all, ...retries])
  expect(sessions).toMatchObject({
    unreadable: 0,
    unversionedKeys: 0,
    lostAcknowledged: 0,
    appliedTwice: 0,
    unknownEntries: 0,
  })
  const idempotency = await auditIdempotency(auditor, tables.idempotencyTable, lockBound)
  expect(idempotency).toMatchObject({ malformed: 0, locksBeyondBound: 0 })

  // The same warm handlers serve again.
  const cartAfter = await invoke(watched.handler, request('GET', '/cart', { sid: usersOf[0]?.[0]?.sid }))
  expect(cartAfter.outcome).toBe(200)

  recordFigures({
    id: '11-outage-freeze',
    title: 'Store outage: DynamoDB Local frozen mid-burst (connections accepted, no answers)',
    command: 'pnpm test:faults (test-faults/store-freeze.test.ts)',
    setup:
      `${2 * USERS_PER_CHAIN} clients, half through a chain with the watchdog (function timeout ${WATCHED_TIMEOUT_MS} ms, margin ${WATCHDOG_MARGIN_MS} ms), ` +
      `half without (${UNWATCHED_TIMEOUT_MS} ms); DynamoDB Local is frozen with SIGSTOP ${FREEZE_AT_MS} ms in for ${FREEZE_MS} ms, then thawed. ` +
      "SDK client with no timeouts (SDK defaults): only the stores' default budget bounds the calls. Tables audited after the thaw.",
    rows: [
      ['requests, with watchdog', `${watchedBurst.length}: ${formatCounts(countOutcomes(watchedBurst))}`],
      [
        'slowest answer, with watchdog',
        `${Math.round(watchedSlowest)} ms (function timeout ${WATCHED_TIMEOUT_MS} ms; worst event-loop delay of the test process ${Math.round(lagMaxMs)} ms)`,
      ],
      ["requests, stores' budget alone", `${unwatchedBurst.length}: ${formatCounts(countOutcomes(unwatchedBurst))}`],
      [
        "slowest answer, stores' budget alone",
        `${Math.round(unwatchedSlowest)} ms (store timeoutMs ${storeCallDefaults.timeoutMs} ms per call)`,
      ],
      [
        '500s, hangs, handler crashes',
        (countOutcomes(all)['500'] ?? 0) + (countOutcomes(all).hung ?? 0) + (countOutcomes(all).threw ?? 0),
      ],
      [
        'checkouts answered 200 while frozen (handler done, record completion failed: lock left to lapse)',
        servedCheckoutsWhileFrozen,
      ],
      [
        'session items audited / unreadable / unversioned keys',
        `${sessions.sessionItems} / ${sessions.unreadable} / ${sessions.unversionedKeys}`,
      ],
      ['acknowledged writes lost', sessions.lostAcknowledged],
      ['writes applied twice', sessions.appliedTwice],
      ['writes that landed after their client got a 503 (at most once each)', sessions.landedAfter503],
      [
        'idempotency records: completed / in progress / malformed',
        `${idempotency.completed} / ${idempotency.inProgress} / ${idempotency.malformed}`,
      ],
      ['locks outliving their invocation', idempotency.locksBeyondBound],
      [
        'failed checkouts retried with their key until served',
        `${unserved.length} keys, ${stuckKeys.length} stuck, ${retries.length} retries`,
      ],
      ['idempotency keys that ended with two orders', sessions.keysWithSeveralOrders],
    ],
  })
})
