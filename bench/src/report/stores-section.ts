import { STORE_DYNAMODB, STORES, type StoreRow } from '../scenarios/session-stores.ts'
import { perRequest, ratio, table } from './format.ts'

function find(rows: StoreRow[], scenario: string, store: string, concurrency: number): StoreRow | undefined {
  return rows.find((row) => row.scenario === scenario && row.store === store && row.concurrency === concurrency)
}

/** One store ÷ DynamoDB Local for one request type and concurrency: below 1 is faster for latency. */
export interface StoreRatio {
  scenario: string
  store: string
  concurrency: number
  p50: number
  p99: number
  throughput: number
  roundTrips: number
}

/** Every non-baseline store's ratios to DynamoDB Local, measured in the same rounds. */
export function storeRatios(rows: StoreRow[]): StoreRatio[] {
  return rows
    .filter((row) => row.store !== STORE_DYNAMODB)
    .flatMap((row) => {
      const base = find(rows, row.scenario, STORE_DYNAMODB, row.concurrency)
      if (!base) return []
      return [
        {
          scenario: row.scenario,
          store: row.store,
          concurrency: row.concurrency,
          p50: row.p50Ms / base.p50Ms,
          p99: row.p99Ms / base.p99Ms,
          throughput: row.requestsPerSecond / base.requestsPerSecond,
          roundTrips: row.roundTrips,
        },
      ]
    })
}

function commands(row: StoreRow): string {
  const listed = Object.entries(row.calls).map(([command, count]) => `${command} ${perRequest(count)}`)
  return listed.length > 0 ? `${perRequest(row.roundTrips)} (${listed.join(', ')})` : perRequest(row.roundTrips)
}

/** The value, and for the other stores its ratio to DynamoDB Local's. */
function cell(row: StoreRow | undefined, base: StoreRow | undefined, value: (row: StoreRow) => number, digits = 2) {
  if (!row) return 'n/a'
  const text = value(row).toFixed(digits)
  if (!base || row === base) return text
  return `${text} (${ratio(value(row) / value(base))})`
}

export function storesSection(rows: StoreRow[]): string {
  const keys = rows.filter((row) => row.store === STORE_DYNAMODB)
  const body = keys.flatMap(({ scenario, concurrency }) => {
    const byStore = STORES.map((store) => find(rows, scenario, store, concurrency))
    const base = byStore[0]
    const line = (measure: string, format: (row: StoreRow | undefined) => string) => [
      scenario,
      String(concurrency),
      measure,
      ...byStore.map(format),
    ]
    return [
      line('p50 ms', (row) => cell(row, base, (r) => r.p50Ms)),
      line('p99 ms', (row) => cell(row, base, (r) => r.p99Ms)),
      line('req/s', (row) => cell(row, base, (r) => r.requestsPerSecond, 0)),
      line('round trips', (row) => (row ? commands(row) : 'n/a')),
    ]
  })
  return [
    '## 6. Session stores side by side',
    '',
    'The session read and one-key write of section 2, through the same chain (without the guard: these requests',
    'carry no `Idempotency-Key`) and the same handler, on each store: DynamoDB Local, a `redis-server` started',
    'by the run on a free loopback port (in memory, `ioredis` with `redisClientDefaults`), and the sealed cookie',
    'store (no server: the session is opened from and sealed into the cookie). The stores take turns in every',
    'round, the order rotating. In brackets: the ratio to DynamoDB Local in the same run (latency below 1× and',
    'throughput above 1× are faster). Both servers run on this machine, so these are local round trips; in AWS,',
    'both DynamoDB and ElastiCache add the network’s, and the cookie store adds none.',
    '',
    table(['request', 'concurrency', 'measure', ...STORES], body, ['l', 'r', 'l', 'r', 'r', 'r']),
  ].join('\n')
}

/** The Summary's line: the ranges of the ratios per store, and the round trips per request. */
export function storesSummary(rows: StoreRow[]): string | undefined {
  const ratios = storeRatios(rows)
  if (ratios.length === 0) return undefined
  const range = (values: number[]) => `${ratio(Math.min(...values))}–${ratio(Math.max(...values))}`
  const perStore = STORES.filter((store) => store !== STORE_DYNAMODB).map((store) => {
    const mine = ratios.filter((r) => r.store === store)
    return `${store} p50 ${range(mine.map((r) => r.p50))}, throughput ${range(mine.map((r) => r.throughput))}`
  })
  const trips = STORES.map((store) => {
    const read = rows.find((row) => row.store === store && row.scenario === 'session read')
    const write = rows.find((row) => row.store === store && row.scenario === 'session write (one key)')
    return `${store} ${perRequest(read?.roundTrips ?? Number.NaN)}/${perRequest(write?.roundTrips ?? Number.NaN)}`
  })
  return (
    `Session stores ÷ DynamoDB Local (session read and one-key write, each concurrency): ${perStore.join('; ')}. ` +
    `Round trips per read/write: ${trips.join(', ')}.`
  )
}
