import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { arch, availableParallelism, cpus, platform } from 'node:os'
import { dirname } from 'node:path'
import type { BenchSettings } from '../bench-settings.ts'
import type { ColdStartRow } from '../scenarios/cold-start.ts'
import { type CpuResult, GUARD_ALONE, POWERTOOLS_ALONE } from '../scenarios/cpu-overhead.ts'
import type { LatencyRow } from '../scenarios/dynamodb-latency.ts'
import type { SizeRow } from '../scenarios/session-size.ts'
import type { StoreRow } from '../scenarios/session-stores.ts'
import { bytes, delta, ratio, table } from './format.ts'
import {
  aloneDifference,
  COLD_START_BASELINE,
  COLD_START_CHAIN,
  capacitySection,
  coldStartSection,
  cpuSection,
  latencySection,
  powertoolsRatios,
  sessionSizeSection,
} from './sections.ts'
import { storesSection, storesSummary } from './stores-section.ts'

export interface BenchResults {
  settings: BenchSettings
  dynamoDBLocal: string
  cpu: CpuResult
  latency: LatencyRow[]
  coldStart: ColdStartRow[]
  sessionSize: SizeRow[]
  stores: StoreRow[]
}

function machineTable(results: BenchResults): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown'
  return table(
    ['environment', ''],
    [
      ['date', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
      ['CPU cores', `${availableParallelism()} (${model})`],
      ['Node', process.version],
      ['OS', `${platform()} ${arch()}`],
      ['DynamoDB Local', `${results.dynamoDBLocal}, in memory, on the same machine`],
      ['Redis', `${redisVersion()}, in memory, on the same machine`],
      ['mode', results.settings.quick ? 'quick (smoke run: numbers are meaningless)' : 'full'],
    ],
  )
}

/** The `redis-server` the stores scenario starts, for the report. */
function redisVersion(): string {
  const version = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1]
  return version ? `redis-server ${version}` : 'unknown'
}

function range(values: number[]): string {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return 'n/a'
  return `${ratio(Math.min(...finite))} to ${ratio(Math.max(...finite))}`
}

/** The few numbers the README quotes, all ratios or differences measured within this run. */
export function summaryLines(results: BenchResults): string[] {
  const lines: string[] = []
  const overheads = results.cpu.overheads
  lines.push(
    `CPU: the full chain adds ${overheads.map((o) => `${delta(o.overheadUs)} µs (${o.scenario})`).join(', ')} ` +
      'per invocation over bare Middy (the issue’s goal: under 25 µs).',
  )
  // Idempotency alone: ours and Powertools' each over bare Middy, then ours ÷ theirs, per idempotent request.
  const alone = [...new Set(results.cpu.idempotencyAlone.map((difference) => difference.scenario))].flatMap(
    (scenario) => {
      const ours = aloneDifference(results.cpu, scenario, GUARD_ALONE, 'bare Middy')
      const theirs = aloneDifference(results.cpu, scenario, POWERTOOLS_ALONE, 'bare Middy')
      const sideBySide = aloneDifference(results.cpu, scenario, GUARD_ALONE, POWERTOOLS_ALONE)
      return ours && theirs && sideBySide ? [{ scenario, ours, theirs, sideBySide }] : []
    },
  )
  if (alone.length > 0) {
    const added = alone.map((a) => `${delta(a.ours.overheadUs)} vs ${delta(a.theirs.overheadUs)} µs (${a.scenario})`)
    const wholeRatios = alone.map((a) => `${ratio(a.sideBySide.ratio)} (${a.scenario})`)
    lines.push(
      'CPU of idempotency alone on bare Middy (in-memory stores), idempotency-guard vs Powertools’ ' +
        `makeHandlerIdempotent: ${added.join(', ')} over bare Middy; ` +
        `the whole invocation, ours ÷ theirs: ${wholeRatios.join(', ')}.`,
    )
  }
  const ratios = powertoolsRatios(results.latency)
  if (ratios.length > 0) {
    lines.push(
      `Against Powertools idempotency on DynamoDB Local: p50 ${range(ratios.map((r) => r.p50))}, ` +
        `p99 ${range(ratios.map((r) => r.p99))}, throughput ${range(ratios.map((r) => r.throughput))} ` +
        '(ours ÷ theirs, first calls and replays at each concurrency).',
    )
    const trips = ratios
      .filter((r, index, all) => all.findIndex((o) => o.scenario === r.scenario) === index)
      .map((r) => `${r.scenario} ${r.roundTrips[0]} vs ${r.roundTrips[1]}`)
    lines.push(`Round trips per request, ours vs Powertools: ${trips.join('; ')}.`)
  }
  const baseline = results.coldStart.find((row) => row.variant === COLD_START_BASELINE)
  const chain = results.coldStart.find((row) => row.variant === COLD_START_CHAIN)
  if (baseline && chain) {
    lines.push(
      `Cold start: the full chain's bundle is ${bytes(chain.bytes)} against ${bytes(baseline.bytes)} for ` +
        `${COLD_START_BASELINE}; importing it takes ${delta(chain.importMs - baseline.importMs, 2)} ms ` +
        `(${ratio(chain.importMs / baseline.importMs)}).`,
    )
  }
  const sizes = [...new Set(results.sessionSize.map((row) => row.sessionBytes))]
  const smallest = sizes[0]
  const largest = sizes.at(-1)
  const pick = (size: number | undefined, operation: string) =>
    results.sessionSize.find((row) => row.sessionBytes === size && row.operation === operation)
  const [smallRead, bigRead, bigDiff] = [
    pick(smallest, 'read'),
    pick(largest, 'read'),
    pick(largest, 'diff write (one key)'),
  ]
  if (smallRead && bigRead && bigDiff && smallest !== largest) {
    lines.push(
      `Session size: a ${bytes(bigRead.sessionBytes)} session reads ${ratio(bigRead.p50Ms / smallRead.p50Ms)} slower ` +
        `(p50) than a ${bytes(smallRead.sessionBytes)} one and costs ${bigRead.readUnits} RCU per read; a one-key ` +
        `write to it still costs ${bigDiff.writeUnits} WCU, because DynamoDB bills an update by the whole item.`,
    )
  }
  const stores = storesSummary(results.stores)
  if (stores) lines.push(stores)
  return lines
}

const METHOD = [
  '## How this was measured',
  '',
  '- One process runs every scenario; DynamoDB Local (Java) runs beside it on the same cores, so absolute',
  '  times say more about this machine than about Lambda. The ratios compare systems measured side by side',
  '  in the same run, which is what the README quotes.',
  '- CPU: tinybench clocked by `process.cpuUsage()`, in many short slices with every variant in each slice (order',
  '  alternating); differences and ratios are taken within a slice, then the median over slices. This machine’s',
  '  speed drifts by up to 2× within seconds, which a comparison of variants measured seconds apart would pick',
  '  up. Every invocation gets a fresh event object and Lambda context, as in Lambda.',
  '- Every benchmark request is checked (status, replay body, no write on an unchanged session), so the numbers',
  '  are those of the intended path, never of an error path.',
  '- Nothing here is asserted: `pnpm bench --quick` only proves the code still runs.',
].join('\n')

export function renderReport(results: BenchResults): string {
  return [
    '# Benchmarks',
    '',
    'Written by `pnpm bench` (source in [`bench/`](bench)); rerun it to refresh this file, don’t edit it.',
    '',
    machineTable(results),
    '',
    '## Summary',
    '',
    ...summaryLines(results).map((line) => `- ${line}`),
    '',
    cpuSection(results.cpu),
    '',
    latencySection(results.latency),
    '',
    capacitySection(results.latency),
    '',
    coldStartSection(results.coldStart, results.settings.coldStart.spawns),
    '',
    sessionSizeSection(results.sessionSize),
    '',
    storesSection(results.stores),
    '',
    METHOD,
    '',
  ].join('\n')
}

export function writeReport(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, renderReport(results))
}
