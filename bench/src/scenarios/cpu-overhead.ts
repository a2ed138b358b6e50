import type { HttpResponse } from '@lambda-session/core'
import { Bench } from 'tinybench'
import {
  bareMiddy,
  buildChain,
  type ChainLayers,
  type ChainStores,
  FULL_CHAIN,
  guardOnly,
  type Invoke,
  plainFunction,
} from '../app/chains.ts'
import { powertoolsHandlerOn } from '../app/powertools-handler.ts'
import { cartOf, eventMaker, expectStatus, lambdaContext, type RequestSpec, signIn } from '../app/requests.ts'
import type { BenchSettings } from '../bench-settings.ts'
import { cpuNow } from '../load/cpu-clock.ts'
import { median, percentile } from '../load/run-load.ts'
import { InMemoryIdempotencyStore } from '../stores/in-memory-idempotency-store.ts'
import { InMemoryPowertoolsPersistence } from '../stores/in-memory-powertools-persistence.ts'
import { InMemorySessionStore } from '../stores/in-memory-session-store.ts'

/** One measured handler: mean and p99 of one invocation, in microseconds. */
export interface CpuRow {
  scenario: string
  variant: string
  /** The median of the slices' means. */
  meanUs: number
  /** Over every timed invocation of every slice. */
  p99Us: number
}

/** What one handler costs over another, from the two measured side by side in each slice. */
export interface CpuDifference {
  scenario: string
  /** The handler measured. */
  variant: string
  /** The handler it is compared with. */
  baseline: string
  /** Median over slices of (variant − baseline) mean µs; the quartiles show how much the machine moved it. */
  overheadUs: number
  lowerQuartileUs: number
  upperQuartileUs: number
  /** Median over slices of variant ÷ baseline. */
  ratio: number
}

export interface CpuResult {
  /** Each scenario under a plain function, bare Middy and the full chain. */
  comparison: CpuRow[]
  /** Full chain over bare Middy, per scenario: the number the goal (under 25 µs) is about. */
  overheads: CpuDifference[]
  /** The full chain built up one middleware at a time, on the request that uses every layer. */
  breakdown: CpuRow[]
  /** What each step of the breakdown adds to the one before. */
  steps: CpuDifference[]
  /**
   * Idempotency alone, ours beside Powertools', per idempotent scenario: `GUARD_ALONE` over bare Middy,
   * `POWERTOOLS_ALONE` over bare Middy, then `GUARD_ALONE` over `POWERTOOLS_ALONE` (its `ratio` is ours ÷ theirs).
   */
  idempotencyAlone: CpuDifference[]
}

/** `idempotencyGuard` as the only middleware on bare Middy, with an in-memory store. */
export const GUARD_ALONE = 'idempotency-guard alone'
/** Powertools' `makeHandlerIdempotent` as the only middleware on bare Middy, with an in-memory persistence layer. */
export const POWERTOOLS_ALONE = 'Powertools idempotency'
const ALONE: readonly string[] = [GUARD_ALONE, POWERTOOLS_ALONE]

const FIRST_CALL = 'idempotent first call'
const REPLAY = 'idempotent replay'

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

/** Our guard's mark on a replayed answer; Powertools leaves none, so its replays are recognised by their body. */
function markedAsReplay(response: HttpResponse): boolean {
  return response.headers?.['Idempotent-Replayed'] === 'true'
}

/** A store the records of fresh keys pile up in. */
interface Clearable {
  clear(): void
}

/**
 * A task sending the same request each time, or a fresh `Idempotency-Key`
 * each time when `freshKeys` is set (that store then emptied now and then).
 * `isReplay`, when set, must hold for the checked answer.
 */
function task(
  scenario: string,
  variant: string,
  invoke: Invoke,
  spec: RequestSpec,
  options: { freshKeys?: Clearable; isReplay?: (response: HttpResponse) => boolean } = {},
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
      if (options.isReplay && !options.isReplay(response)) {
        throw new Error(`${scenario} / ${variant}: the answer was not a replay`)
      }
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
  // The same split for the idempotency middlewares measured alone.
  const guardFirstCalls = new InMemoryIdempotencyStore()
  const powertoolsFirstCalls = new InMemoryPowertoolsPersistence()
  const guardReplays = guardOnly(new InMemoryIdempotencyStore())
  const powertoolsReplays = powertoolsHandlerOn(new InMemoryPowertoolsPersistence())

  const cookies = [await signIn(buildChain(firstCalls), 'user-1', cartOf(3))]
  const read: RequestSpec = { method: 'GET', path: '/cart', cookies }
  const write: RequestSpec = { method: 'POST', path: '/cart', cookies, body: cartOf(2) }
  const checkout: RequestSpec = { method: 'POST', path: '/checkout', cookies, body: { payment: 'card' } }
  const replay: RequestSpec = { ...checkout, headers: { 'idempotency-key': 'replayed-key' } }
  expectStatus(await buildChain(replays)(eventMaker(replay)(), lambdaContext()), 200, 'seeding the replayed key')
  expectStatus(await guardReplays(eventMaker(replay)(), lambdaContext()), 200, 'seeding the guard’s replayed key')
  // The checkout answers a new order id each time: only a replay gives back the seeded body.
  const seededBody = expectStatus(
    await powertoolsReplays(eventMaker(replay)(), lambdaContext()),
    200,
    'seeding Powertools’ replayed key',
  ).body

  const comparison: CpuTask[] = []
  for (const variant of VARIANTS) {
    const invoke = handlerFor(variant, firstCalls)
    comparison.push(
      task('session read', variant, invoke, read),
      task('session write (one key)', variant, invoke, write),
      task(FIRST_CALL, variant, invoke, checkout, { freshKeys: firstCallStore }),
      task(REPLAY, variant, handlerFor(variant, replays), replay, {
        isReplay: variant === 'full chain' ? markedAsReplay : undefined,
      }),
    )
  }
  // In the same slices as bare Middy, so their differences from it and from each other pair up slice by slice.
  comparison.push(
    task(FIRST_CALL, GUARD_ALONE, guardOnly(guardFirstCalls), checkout, { freshKeys: guardFirstCalls }),
    task(FIRST_CALL, POWERTOOLS_ALONE, powertoolsHandlerOn(powertoolsFirstCalls), checkout, {
      freshKeys: powertoolsFirstCalls,
    }),
    task(REPLAY, GUARD_ALONE, guardReplays, replay, { isReplay: markedAsReplay }),
    task(REPLAY, POWERTOOLS_ALONE, powertoolsReplays, replay, { isReplay: (response) => response.body === seededBody }),
  )

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

/** Per task, the mean of each slice (µs) and every sample (µs). */
interface Measured {
  sliceMeans: number[][]
  samples: number[][]
}

/**
 * Runs every task in many short slices, each task a few hundred invocations
 * per slice, alternating the order slice by slice. A shared virtual machine's
 * speed drifts by a factor of two within seconds; tasks measured seconds apart
 * would carry that drift into their difference, tasks measured in the same
 * slice share it, so differences and ratios are taken per slice.
 */
async function measure(tasks: CpuTask[], settings: BenchSettings['cpu']): Promise<Measured> {
  for (const cpuTask of tasks) await cpuTask.check()
  const measured: Measured = { sliceMeans: tasks.map(() => []), samples: tasks.map(() => []) }
  for (let slice = 0; slice < settings.slices; slice++) {
    const bench = new Bench({
      now: cpuNow,
      subtractTimerOverhead: true,
      time: 0,
      warmup: slice === 0,
      warmupTime: 0,
      warmupIterations: settings.warmupIterations,
      iterations: settings.iterationsPerSlice,
      retainSamples: true,
      throws: true,
    })
    const order = tasks.map((_, index) => index)
    if (slice % 2 === 1) order.reverse()
    for (const index of order) {
      const cpuTask = tasks[index] as CpuTask
      // `async: true` spares tinybench a detection call, which would run without `prepare`.
      bench.add(String(index), cpuTask.run, { async: true, beforeEach: cpuTask.prepare })
    }
    await bench.run()
    for (const benchTask of bench.tasks) {
      const index = Number(benchTask.name)
      const result = benchTask.result
      if (result.state !== 'completed') throw new Error(`CPU task ${tasks[index]?.variant} ended ${result.state}`)
      measured.sliceMeans[index]?.push(result.latency.mean * 1000)
      for (const sample of result.latency.samples ?? []) measured.samples[index]?.push(sample * 1000)
    }
  }
  return measured
}

function rows(tasks: CpuTask[], measured: Measured): CpuRow[] {
  return tasks.map((cpuTask, index) => ({
    scenario: cpuTask.scenario,
    variant: cpuTask.variant,
    meanUs: median(measured.sliceMeans[index] ?? []),
    p99Us: percentile(measured.samples[index] ?? [], 99),
  }))
}

/** Task `index` over task `baseline`, slice by slice. */
function difference(tasks: CpuTask[], measured: Measured, index: number, baseline: number): CpuDifference {
  const ours = measured.sliceMeans[index] ?? []
  const theirs = measured.sliceMeans[baseline] ?? []
  const differences = ours.map((mean, slice) => mean - (theirs[slice] ?? Number.NaN))
  const ratios = ours.map((mean, slice) => mean / (theirs[slice] ?? Number.NaN))
  return {
    scenario: tasks[index]?.scenario ?? '',
    variant: tasks[index]?.variant ?? '',
    baseline: tasks[baseline]?.variant ?? '',
    overheadUs: median(differences),
    lowerQuartileUs: percentile(differences, 25),
    upperQuartileUs: percentile(differences, 75),
    ratio: median(ratios),
  }
}

/** Scenario 1: what the chain adds to every invocation, with stores that cost (almost) nothing. */
export async function runCpuOverhead(settings: BenchSettings['cpu']): Promise<CpuResult> {
  const tasks = await buildTasks()
  const comparison = await measure(tasks.comparison, settings)
  const find = (scenario: string, variant: string) =>
    tasks.comparison.findIndex((t) => t.scenario === scenario && t.variant === variant)
  const overheads = tasks.comparison.flatMap((cpuTask, index) => {
    if (cpuTask.variant !== 'full chain') return []
    return [difference(tasks.comparison, comparison, index, find(cpuTask.scenario, 'bare Middy'))]
  })
  const idempotencyAlone = [FIRST_CALL, REPLAY].flatMap((scenario) => {
    const bare = find(scenario, 'bare Middy')
    const guard = find(scenario, GUARD_ALONE)
    const powertools = find(scenario, POWERTOOLS_ALONE)
    return [
      difference(tasks.comparison, comparison, guard, bare),
      difference(tasks.comparison, comparison, powertools, bare),
      difference(tasks.comparison, comparison, guard, powertools),
    ]
  })
  const breakdown = await measure(tasks.breakdown, settings)
  const steps = tasks.breakdown.slice(1).map((_, step) => difference(tasks.breakdown, breakdown, step + 1, step))
  return {
    // The middlewares alone have a table of their own; this one stays plain function / bare Middy / full chain.
    comparison: rows(tasks.comparison, comparison).filter((row) => !ALONE.includes(row.variant)),
    overheads,
    breakdown: rows(tasks.breakdown, breakdown),
    steps,
    idempotencyAlone,
  }
}
