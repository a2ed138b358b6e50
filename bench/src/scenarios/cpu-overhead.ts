import { Bench } from 'tinybench'
import {
  bareMiddy,
  buildChain,
  type ChainLayers,
  type ChainStores,
  FULL_CHAIN,
  type Invoke,
  plainFunction,
} from '../app/chains.ts'
import { cartOf, eventMaker, expectStatus, lambdaContext, type RequestSpec, signIn } from '../app/requests.ts'
import type { BenchSettings } from '../bench-settings.ts'
import { cpuNow } from '../load/cpu-clock.ts'
import { median } from '../load/run-load.ts'
import { InMemoryIdempotencyStore } from '../stores/in-memory-idempotency-store.ts'
import { InMemorySessionStore } from '../stores/in-memory-session-store.ts'

/** One measured handler: mean and p99 of one invocation, in microseconds (median over the rounds). */
export interface CpuRow {
  scenario: string
  variant: string
  meanUs: number
  p99Us: number
}

export interface CpuResult {
  /** Each scenario under a plain function, bare Middy and the full chain. */
  comparison: CpuRow[]
  /** The full chain built up one middleware at a time, on the request that uses every layer. */
  breakdown: CpuRow[]
}

interface CpuTask {
  scenario: string
  variant: string
  /** Verifies the task answers as intended before it is timed. */
  check: () => Promise<void>
  /** Untimed, before each iteration: makes the next event and context. */
  prepare: () => void
  run: () => Promise<unknown>
}

/** Records would pile up over hundreds of thousands of first calls; emptying the store now and then keeps memory flat. */
const CLEAR_EVERY = 10_000

const VARIANTS = ['plain function', 'bare Middy', 'full chain'] as const

function handlerFor(variant: (typeof VARIANTS)[number], stores: ChainStores): Invoke {
  if (variant === 'plain function') return plainFunction
  if (variant === 'bare Middy') return bareMiddy()
  return buildChain(stores)
}

/** A task sending the same request each time, or a fresh `Idempotency-Key` each time when `freshKeys` is set. */
function task(
  scenario: string,
  variant: string,
  invoke: Invoke,
  spec: RequestSpec,
  options: { freshKeys?: InMemoryIdempotencyStore; expectReplay?: boolean } = {},
): CpuTask {
  let counter = 0
  const fixed = eventMaker(spec)
  const nextEvent = () => {
    if (!options.freshKeys) return fixed()
    const event = fixed()
    event.headers = { ...event.headers, 'idempotency-key': `${variant}-${counter++}` }
    if (counter % CLEAR_EVERY === 0) options.freshKeys.clear()
    return event
  }
  // Lambda builds the event and context before the handler runs: made untimed, before each iteration.
  let event = nextEvent()
  let context = lambdaContext()
  return {
    scenario,
    variant,
    prepare: () => {
      event = nextEvent()
      context = lambdaContext()
    },
    run: () => invoke(event, context),
    check: async () => {
      const response = expectStatus(await invoke(nextEvent(), lambdaContext()), 200, `${scenario} / ${variant}`)
      const replayed = response.headers?.['Idempotent-Replayed'] === 'true'
      if (options.expectReplay && !replayed) throw new Error(`${scenario} / ${variant}: the answer was not a replay`)
    },
  }
}

async function buildTasks(): Promise<{ comparison: CpuTask[]; breakdown: CpuTask[] }> {
  const sessionStore = new InMemorySessionStore()
  // First calls leave a record each and get their store emptied now and then;
  // the replayed record lives in a store of its own so that never removes it.
  const firstCallStore = new InMemoryIdempotencyStore()
  const firstCalls: ChainStores = { sessionStore, idempotencyStore: firstCallStore }
  const replays: ChainStores = { sessionStore, idempotencyStore: new InMemoryIdempotencyStore() }

  const cookies = [await signIn(buildChain(firstCalls), 'user-1', cartOf(3))]
  const read: RequestSpec = { method: 'GET', path: '/cart', cookies }
  const write: RequestSpec = { method: 'POST', path: '/cart', cookies, body: cartOf(2) }
  const checkout: RequestSpec = { method: 'POST', path: '/checkout', cookies, body: { payment: 'card' } }
  const replay: RequestSpec = { ...checkout, headers: { 'idempotency-key': 'replayed-key' } }
  expectStatus(await buildChain(replays)(eventMaker(replay)(), lambdaContext()), 200, 'seeding the replayed key')

  const comparison: CpuTask[] = []
  for (const variant of VARIANTS) {
    const invoke = handlerFor(variant, firstCalls)
    comparison.push(
      task('session read', variant, invoke, read),
      task('session write (one key)', variant, invoke, write),
      task('idempotent first call', variant, invoke, checkout, { freshKeys: firstCallStore }),
      task('idempotent replay', variant, handlerFor(variant, replays), replay, {
        expectReplay: variant === 'full chain',
      }),
    )
  }

  const steps: [string, ChainLayers][] = [
    ['bare Middy', { cookies: false, sessions: false, idempotency: false, watchdog: false }],
    ['+ http-cookie-parser', { cookies: true, sessions: false, idempotency: false, watchdog: false }],
    ['+ session-loader/saver', { cookies: true, sessions: true, idempotency: false, watchdog: false }],
    ['+ idempotency-guard', { cookies: true, sessions: true, idempotency: true, watchdog: false }],
    ['+ timeout-watchdog (full chain)', FULL_CHAIN],
  ]
  const breakdown = steps.map(([variant, layers]) =>
    task('checkout with session, first call', variant, buildChain(firstCalls, layers), checkout, {
      freshKeys: firstCallStore,
    }),
  )
  return { comparison, breakdown }
}

/** Runs every task in each round (so drift hits them alike) and keeps the median of the rounds. */
async function measure(tasks: CpuTask[], settings: BenchSettings['cpu']): Promise<CpuRow[]> {
  for (const cpuTask of tasks) await cpuTask.check()
  const means = tasks.map(() => [] as number[])
  const p99s = tasks.map(() => [] as number[])
  for (let round = 0; round < settings.rounds; round++) {
    const bench = new Bench({
      now: cpuNow,
      subtractTimerOverhead: true,
      time: settings.timeMs,
      warmupTime: settings.warmupMs,
      iterations: settings.minIterations,
      warmupIterations: settings.minIterations,
      throws: true,
    })
    tasks.forEach((cpuTask, index) => {
      // `async: true` spares tinybench a detection call, which would run without `prepare`.
      bench.add(String(index), cpuTask.run, { async: true, beforeEach: cpuTask.prepare })
    })
    await bench.run()
    bench.tasks.forEach((benchTask, index) => {
      const result = benchTask.result
      if (result.state !== 'completed') throw new Error(`CPU task ${tasks[index]?.variant} ended ${result.state}`)
      means[index]?.push(result.latency.mean * 1000)
      p99s[index]?.push(result.latency.p99 * 1000)
    })
  }
  return tasks.map((cpuTask, index) => ({
    scenario: cpuTask.scenario,
    variant: cpuTask.variant,
    meanUs: median(means[index] ?? []),
    p99Us: median(p99s[index] ?? []),
  }))
}

/** Scenario 1: what the chain adds to every invocation, with stores that cost (almost) nothing. */
export async function runCpuOverhead(settings: BenchSettings['cpu']): Promise<CpuResult> {
  const tasks = await buildTasks()
  return { comparison: await measure(tasks.comparison, settings), breakdown: await measure(tasks.breakdown, settings) }
}
