import { randomBytes } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { createLocalDynamoDBClient } from '@lambda-session/testing'
import { type RunningLocalServer, startLocalServer } from '../examples/local-server/src/harness.ts'
import { formatCounts, percentile, recordFigures } from '../test-faults/support/figures.js'
import { seededRandom } from '../test-faults/support/seeded-random.js'
import { auditShop } from './load-audit.js'
import { doubleClickCheckout, type LoadRequest, openUser, SKUS, timed, type UserLog } from './shop-client.js'

// The example shop over HTTP (`pnpm start`'s server: real handlers, API
// Gateway v2 events, DynamoDB Local), 32 concurrent clients: 16 users with
// two tabs each sharing one session, every tab making a fixed number of
// steps: add to cart (atomic appends from both tabs at once), read the cart
// or the orders, or check out with a double-clicked Idempotency-Key. Then
// the table is audited against what every client was told.
const USERS = 16
const TABS_PER_USER = 2
const STEPS_PER_TAB = 60
const SEED = 3_2016_060

let server: RunningLocalServer
let auditor: DynamoDBClient
const sessionTable = `load-sessions-${randomBytes(4).toString('hex')}`

beforeAll(async () => {
  server = await startLocalServer({
    env: { SESSION_TABLE: sessionTable, IDEMPOTENCY_TABLE: `load-idem-${randomBytes(4).toString('hex')}` },
  })
  auditor = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
}, 120_000)

afterAll(async () => {
  auditor?.destroy()
  await server?.stop()
})

async function runTab(tab: Parameters<typeof doubleClickCheckout>[0], log: UserLog, random: () => number) {
  for (let step = 0; step < STEPS_PER_TAB; step++) {
    const roll = random()
    if (roll < 0.45) {
      const sku = SKUS[Math.floor(random() * SKUS.length)] as string
      const qty = 1 + Math.floor(random() * 3)
      const response = await timed(log, 'add', () => tab.post('/cart/items', { json: { sku, qty } }))
      if (response?.status === 200) log.acknowledged.push({ sku, qty })
    } else if (roll < 0.7) await timed(log, 'read-cart', () => tab.get('/cart'))
    else if (roll < 0.85) await timed(log, 'read-orders', () => tab.get('/orders'))
    else await doubleClickCheckout(tab, log)
  }
}

function latency(requests: readonly LoadRequest[]): string {
  const ms = requests.map((request) => request.ms)
  if (ms.length === 0) return 'none'
  return `p50 ${Math.round(percentile(ms, 50))} ms, p95 ${Math.round(percentile(ms, 95))} ms, p99 ${Math.round(percentile(ms, 99))} ms`
}

test('32 concurrent clients on the example shop: every acknowledged write is there, no cart lost an item, no order twice', async () => {
  const users = await Promise.all(
    Array.from({ length: USERS }, (_, index) => openUser(server.url, `load-user-${index}`)),
  )
  const started = performance.now()
  await Promise.all(
    users.flatMap(({ tabs, log }, user) =>
      tabs.map((tab, index) => runTab(tab, log, seededRandom(SEED + user * TABS_PER_USER + index))),
    ),
  )
  const durationMs = performance.now() - started
  const logs = users.map(({ log }) => log)
  const requests = logs.flatMap((log) => log.requests.filter((request) => request.kind !== 'login'))
  const statuses: Record<string, number> = {}
  for (const { status } of requests) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1

  const audit = await auditShop(auditor, sessionTable, logs)
  // Only answers a shop can give under load: served, 409 (in progress or a
  // raced cart, retried), 422 (cart empty or an item at its limit).
  expect(Object.keys(statuses).every((status) => ['200', '409', '422'].includes(status))).toBe(true)
  expect(audit).toMatchObject({
    lostUnits: 0,
    cartsThatLostItems: 0,
    extraUnits: 0,
    keysWithTwoOrders: 0,
    strayOrders: 0,
    missingOrders: 0,
    unreadableSessions: 0,
  })
  expect(audit.acknowledgedAdditions).toBeGreaterThan(500)
  expect(audit.ordersPlaced).toBeGreaterThan(50)
  const checkouts = logs.flatMap((log) => log.checkouts)
  expect(checkouts.every((attempt) => attempt.statuses.at(-1) !== 409)).toBe(true) // every key got its answer

  const byKind = (kind: LoadRequest['kind']) => requests.filter((request) => request.kind === kind)
  recordFigures({
    id: '50-load',
    title: 'Load: 32 concurrent clients on the example shop, then an audit of the table',
    command: 'pnpm test:load (test-load/shop-load.test.ts)',
    setup:
      `${USERS} users × ${TABS_PER_USER} tabs sharing a session = ${USERS * TABS_PER_USER} concurrent clients, ${STEPS_PER_TAB} steps each ` +
      '(45 % add to cart, 25 % read the cart, 15 % read the orders, 15 % check out with a double-clicked Idempotency-Key, 409s retried) ' +
      `against \`pnpm start\`'s server (API Gateway v2 events, real handlers with the watchdog) on DynamoDB Local; seed ${SEED}.`,
    rows: [
      ['steps (fixed)', USERS * TABS_PER_USER * STEPS_PER_TAB],
      ['requests (the steps, checkout copies and retries)', requests.length],
      [
        'duration / throughput',
        `${(durationMs / 1000).toFixed(1)} s / ${Math.round(requests.length / (durationMs / 1000))} requests/s`,
      ],
      ['answers', formatCounts(statuses)],
      ['latency, all', latency(requests)],
      ['latency, add to cart', latency(byKind('add'))],
      ['latency, read cart / orders', `${latency(byKind('read-cart'))} / ${latency(byKind('read-orders'))}`],
      ['latency, checkout (each attempt)', latency(byKind('checkout'))],
      ['acknowledged additions', audit.acknowledgedAdditions],
      ['acknowledged writes lost (units)', audit.lostUnits],
      ['carts that lost an item', audit.cartsThatLostItems],
      ['units stored twice or without acknowledgement', audit.extraUnits],
      [
        'checkout keys (each sent twice at once)',
        `${checkouts.length}, ${checkouts.reduce((n, a) => n + a.statuses.length, 0)} requests`,
      ],
      [
        'orders placed / created twice / missing / unknown',
        `${audit.ordersPlaced} / ${audit.keysWithTwoOrders} / ${audit.missingOrders} / ${audit.strayOrders}`,
      ],
    ],
  })
})
