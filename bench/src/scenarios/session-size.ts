import { DynamoDBIdempotencyStore, DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
import { Bench } from 'tinybench'
import { buildChain, type Invoke } from '../app/chains.ts'
import { eventMaker, expectStatus, lambdaContext, type RequestSpec, signIn } from '../app/requests.ts'
import type { CartItem } from '../app/shop-app.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { BenchDynamoDB, MeteredClient } from '../dynamodb/bench-dynamodb.ts'
import { cpuNow } from '../load/cpu-clock.ts'
import { percentile, runLoad } from '../load/run-load.ts'
import { InMemoryIdempotencyStore } from '../stores/in-memory-idempotency-store.ts'
import { InMemorySessionStore } from '../stores/in-memory-session-store.ts'

export const SIZE_OPERATIONS = ['read', 'full write', 'diff write (one key)'] as const
export type SizeOperation = (typeof SIZE_OPERATIONS)[number]

export interface SizeRow {
  /** JSON bytes of the session's data. */
  sessionBytes: number
  operation: SizeOperation
  /** Full chain on DynamoDB Local, one request at a time. */
  p50Ms: number
  p99Ms: number
  /** Per request, as DynamoDB reported them. */
  readUnits: number
  writeUnits: number
  /** The same request on the in-memory stores: what the chain itself spends on a session this big. */
  cpuUs: number
}

/** About 100 bytes of JSON per item, like a cart line with a title; enough items to reach `bytes`. */
export function cartOfBytes(bytes: number): CartItem[] {
  const count = Math.max(1, Math.round(bytes / 100))
  return Array.from({ length: count }, (_, index) => ({
    sku: `SKU-${String(index).padStart(6, '0')}`,
    qty: 1 + (index % 3),
    title: 'x'.repeat(60),
  }))
}

/** The request each operation sends, for a session holding `cart`. */
function requests(
  cookie: string,
  cart: CartItem[],
): Record<SizeOperation, () => ReturnType<ReturnType<typeof eventMaker>>> {
  const specs: Record<SizeOperation, RequestSpec> = {
    read: { method: 'GET', path: '/cart', cookies: [cookie] },
    // The handler rewrites the whole cart: one key, but all of the session's bytes.
    'full write': { method: 'POST', path: '/cart', cookies: [cookie], body: cart },
    // A small key beside the big one: only this key travels to DynamoDB.
    'diff write (one key)': { method: 'POST', path: '/cart/note', cookies: [cookie], body: { note: 'gift wrap' } },
  }
  return {
    read: eventMaker(specs.read),
    'full write': eventMaker(specs['full write']),
    'diff write (one key)': eventMaker(specs['diff write (one key)']),
  }
}

async function cpuMeans(
  cart: CartItem[],
  settings: BenchSettings['sessionSize'],
): Promise<Record<SizeOperation, number>> {
  const invoke = buildChain({
    sessionStore: new InMemorySessionStore(),
    idempotencyStore: new InMemoryIdempotencyStore(),
  })
  const makers = requests(await signIn(invoke, 'user-size', cart), cart)
  const bench = new Bench({
    now: cpuNow,
    subtractTimerOverhead: true,
    time: settings.cpuTimeMs,
    warmupTime: Math.min(50, settings.cpuTimeMs),
    iterations: settings.cpuMinIterations,
    warmupIterations: settings.cpuMinIterations,
    throws: true,
  })
  for (const operation of SIZE_OPERATIONS) {
    const make = makers[operation]
    expectStatus(await invoke(make(), lambdaContext()), 200, `in-memory ${operation}`)
    // Event and context are Lambda's work, made untimed before each iteration.
    let event = make()
    let context = lambdaContext()
    const prepare = () => {
      event = make()
      context = lambdaContext()
    }
    bench.add(operation, () => invoke(event, context), { async: true, beforeEach: prepare })
  }
  await bench.run()
  const means = {} as Record<SizeOperation, number>
  for (const benchTask of bench.tasks) {
    const result = benchTask.result
    if (result.state !== 'completed') throw new Error(`session size CPU task ${benchTask.name} ended ${result.state}`)
    means[benchTask.name as SizeOperation] = result.latency.mean * 1000
  }
  return means
}

async function dynamoDBRuns(invoke: Invoke, metered: MeteredClient, cart: CartItem[], count: number) {
  const makers = requests(await signIn(invoke, `user-${cart.length}`, cart), cart)
  const runs = [] as Omit<SizeRow, 'sessionBytes' | 'cpuUs'>[]
  for (const operation of SIZE_OPERATIONS) {
    const send = async () => {
      expectStatus(await invoke(makers[operation](), lambdaContext()), 200, `DynamoDB ${operation}`)
    }
    await runLoad(1, Math.min(5, count), send)
    metered.capacity.reset()
    const run = await runLoad(1, count, send)
    runs.push({
      operation,
      p50Ms: percentile(run.latenciesMs, 50),
      p99Ms: percentile(run.latenciesMs, 99),
      readUnits: metered.capacity.readUnits() / count,
      writeUnits: metered.capacity.writeUnits() / count,
    })
  }
  return runs
}

/**
 * Scenario 5: read, full write and one-key write of sessions from 100 B to
 * 300 KB, on DynamoDB Local and on the in-memory stores, so the report shows
 * where item size starts to cost latency, capacity and CPU.
 */
export async function runSessionSize(
  dynamodb: BenchDynamoDB,
  settings: BenchSettings['sessionSize'],
): Promise<SizeRow[]> {
  const tables = await dynamodb.createTables()
  const metered = dynamodb.meteredClient()
  const invoke = buildChain({
    sessionStore: new DynamoDBSessionStore({ client: metered.client, tableName: tables.sessions }),
    idempotencyStore: new DynamoDBIdempotencyStore({ client: metered.client, tableName: tables.idempotency }),
  })
  const rows: SizeRow[] = []
  for (const bytes of settings.bytes) {
    const cart = cartOfBytes(bytes)
    const sessionBytes = Buffer.byteLength(JSON.stringify(cart))
    const cpu = await cpuMeans(cart, settings)
    const count = bytes > 50_000 ? Math.ceil(settings.requests / 4) : settings.requests
    for (const run of await dynamoDBRuns(invoke, metered, cart, count)) {
      rows.push({ sessionBytes, cpuUs: cpu[run.operation], ...run })
    }
    process.stdout.write('.')
  }
  return rows
}
