import type { ColdStartRow } from '../scenarios/cold-start.ts'
import {
  type CpuDifference,
  type CpuResult,
  type CpuRow,
  GUARD_ALONE,
  POWERTOOLS_ALONE,
} from '../scenarios/cpu-overhead.ts'
import { type LatencyRow, OURS_GUARD, POWERTOOLS } from '../scenarios/dynamodb-latency.ts'
import type { SizeRow } from '../scenarios/session-size.ts'
import { bytes, delta, ms, perRequest, ratio, table, us } from './format.ts'

/** The baseline our chain is compared with at cold start: what a DynamoDB-backed function loads anyway. */
export const COLD_START_BASELINE = 'bare Middy + DynamoDB client'
export const COLD_START_CHAIN = 'lambda-session full chain'

function cpuCell(rows: CpuRow[], scenario: string, variant: string): CpuRow | undefined {
  return rows.find((row) => row.scenario === scenario && row.variant === variant)
}

/** `variant` over `baseline` in `scenario`, among the idempotency-alone differences. */
export function aloneDifference(
  cpu: CpuResult,
  scenario: string,
  variant: string,
  baseline: string,
): CpuDifference | undefined {
  return cpu.idempotencyAlone.find(
    (difference) =>
      difference.scenario === scenario && difference.variant === variant && difference.baseline === baseline,
  )
}

/** A median difference with the middle half of the slices' differences in brackets. */
function spread(difference: CpuDifference | undefined): string {
  if (!difference) return 'n/a'
  return `${delta(difference.overheadUs)} (${us(difference.lowerQuartileUs)}–${us(difference.upperQuartileUs)})`
}

function idempotencyAloneRows(cpu: CpuResult): string[][] {
  const scenarios = [...new Set(cpu.idempotencyAlone.map((difference) => difference.scenario))]
  return scenarios.map((scenario) => {
    const sideBySide = aloneDifference(cpu, scenario, GUARD_ALONE, POWERTOOLS_ALONE)
    return [
      scenario,
      spread(aloneDifference(cpu, scenario, GUARD_ALONE, 'bare Middy')),
      spread(aloneDifference(cpu, scenario, POWERTOOLS_ALONE, 'bare Middy')),
      sideBySide ? delta(sideBySide.overheadUs) : 'n/a',
      sideBySide ? ratio(sideBySide.ratio) : 'n/a',
    ]
  })
}

export function cpuSection(cpu: CpuResult): string {
  const comparison = cpu.overheads.map((overhead) => {
    const cell = (variant: string) => {
      const row = cpuCell(cpu.comparison, overhead.scenario, variant)
      return row ? `${us(row.meanUs)} (p99 ${us(row.p99Us)})` : 'n/a'
    }
    return [
      overhead.scenario,
      cell('plain function'),
      cell('bare Middy'),
      cell('full chain'),
      `${delta(overhead.overheadUs)} (${us(overhead.lowerQuartileUs)}–${us(overhead.upperQuartileUs)})`,
      ratio(overhead.ratio),
    ]
  })
  const breakdown = cpu.breakdown.map((row) => {
    const step = cpu.steps.find((candidate) => candidate.variant === row.variant)
    return [row.variant, us(row.meanUs), step ? delta(step.overheadUs) : '']
  })
  return [
    '## 1. CPU per invocation (in-memory stores)',
    '',
    'CPU µs per invocation (median of the slices’ means, and p99) of the same app handler: called directly, under bare `@middy/core`, and',
    'under the full chain (timeout-watchdog, http-cookie-parser, session-loader, idempotency-guard, session-saver)',
    'with in-memory stores, so only the middlewares’ own work is measured (cookie parsing, HMAC check, id hashing,',
    'session copy, key scoping and fingerprinting, response serialisation). CPU time is the process’s user + system',
    'time (all threads, so garbage collection counts), not wall time: waiting for a core on a shared machine is',
    'left out. Event and Lambda context are built before each iteration, untimed, as Lambda builds them. The',
    'difference and ratio are taken within each slice, where both handlers ran moments apart, then the median',
    'over slices (in brackets: the middle half of the slices’ differences).',
    '',
    table(
      ['request', 'plain function', 'bare Middy', 'full chain', 'chain − bare Middy (µs)', 'chain ÷ bare Middy'],
      comparison,
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Idempotency alone, side by side with Powertools: the same app on bare Middy under only `idempotencyGuard`',
    '(in-memory store) and under only Powertools’ `makeHandlerIdempotent`, configured as in section 2 (key from the',
    '`Idempotency-Key` header, payload check on the body) on an in-memory persistence layer that keeps the',
    'conditions of its DynamoDB layer. Both keep the stored response as JSON text, so serialising it (first call)',
    'and parsing it (replay) counts on both sides; neither pays for a database client. Measured in the same slices',
    'as the table above; the ratio is of the whole invocation (app and Middy included), taken slice by slice.',
    '',
    table(
      [
        'request',
        'idempotency-guard − bare Middy (µs)',
        'Powertools − bare Middy (µs)',
        'ours − Powertools (µs)',
        'ours ÷ Powertools',
      ],
      idempotencyAloneRows(cpu),
      ['l', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Where the time goes: the full chain built up one middleware at a time, on a signed-in checkout with a new',
    '`Idempotency-Key` (the request that uses every layer).',
    '',
    table(['chain', 'µs', 'added by this step (median over slices)'], breakdown, ['l', 'r', 'r']),
  ].join('\n')
}

function findLatency(rows: LatencyRow[], scenario: string, system: string, concurrency: number) {
  return rows.find((row) => row.scenario === scenario && row.system === system && row.concurrency === concurrency)
}

export interface PowertoolsRatio {
  scenario: string
  concurrency: number
  p50: number
  p99: number
  throughput: number
  roundTrips: [number, number]
}

/** Ours ÷ Powertools for every idempotency scenario and concurrency: below 1 is better for latency. */
export function powertoolsRatios(rows: LatencyRow[]): PowertoolsRatio[] {
  return rows
    .filter((row) => row.system === OURS_GUARD)
    .flatMap((ours) => {
      const theirs = findLatency(rows, ours.scenario, POWERTOOLS, ours.concurrency)
      if (!theirs) return []
      return [
        {
          scenario: ours.scenario,
          concurrency: ours.concurrency,
          p50: ours.p50Ms / theirs.p50Ms,
          p99: ours.p99Ms / theirs.p99Ms,
          throughput: ours.requestsPerSecond / theirs.requestsPerSecond,
          roundTrips: [ours.roundTrips, theirs.roundTrips] as [number, number],
        },
      ]
    })
}

export function latencySection(rows: LatencyRow[]): string {
  const ratios = powertoolsRatios(rows)
  return [
    '## 2. DynamoDB Local: throughput and latency',
    '',
    'Closed-loop clients (each sends its next request when the last one answered) against one DynamoDB Local.',
    'Session requests run the full chain; the idempotency rows run the same app under only',
    '`idempotencyGuard` and under only Powertools’ `makeHandlerIdempotent` (key from the `Idempotency-Key`',
    'header, payload check on the body), alternating order round by round; one at a time, a round is 25',
    'requests (about a quarter of a second), so both systems share the machine’s drift.',
    '',
    table(
      ['request', 'system', 'concurrency', 'requests', 'req/s', 'p50 ms', 'p99 ms'],
      rows.map((row) => [
        row.scenario,
        row.system,
        String(row.concurrency),
        String(row.requests),
        row.requestsPerSecond.toFixed(0),
        ms(row.p50Ms),
        ms(row.p99Ms),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Ours ÷ Powertools, measured side by side (latency below 1× and throughput above 1× favour ours):',
    '',
    table(
      ['request', 'concurrency', 'p50', 'p99', 'req/s'],
      ratios.map((r) => [r.scenario, String(r.concurrency), ratio(r.p50), ratio(r.p99), ratio(r.throughput)]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n')
}

function callsText(calls: Record<string, number>): string {
  return Object.entries(calls)
    .map(([command, count]) => `${command} ${perRequest(count)}`)
    .join(', ')
}

export function capacitySection(rows: LatencyRow[]): string {
  return [
    '## 3. Round trips and consumed capacity per request',
    '',
    'Counted on the SDK client (every command the system sent; `ReturnConsumedCapacity: TOTAL` added to each).',
    'DynamoDB reports no capacity for a write refused by its condition (every replay is one), although it',
    'charges for it; those calls are counted in the last column instead.',
    '',
    table(
      ['request', 'system', 'concurrency', 'round trips', 'commands', 'RCU', 'WCU', 'refused writes (no CU reported)'],
      rows.map((row) => [
        row.scenario,
        row.system,
        String(row.concurrency),
        perRequest(row.roundTrips),
        callsText(row.calls),
        perRequest(row.readUnits),
        perRequest(row.writeUnits),
        perRequest(row.unreported),
      ]),
      ['l', 'l', 'r', 'r', 'l', 'r', 'r', 'r'],
    ),
  ].join('\n')
}

export function coldStartSection(rows: ColdStartRow[], spawns: number): string {
  const baseline = rows.find((row) => row.variant === COLD_START_BASELINE)
  return [
    '## 4. Cold start',
    '',
    'The example-like handler bundled by esbuild (minified ESM, `@aws-sdk/*` external as Lambda provides it),',
    `then imported in a fresh \`node\` process: median of ${spawns} spawns, variants interleaved. The import time`,
    'includes loading the external AWS SDK where the bundle uses it; process time adds Node’s own start-up.',
    '',
    table(
      ['bundle', 'bytes', 'gzip', 'import ms', 'process ms', `import vs ${COLD_START_BASELINE}`],
      rows.map((row) => [
        row.variant,
        bytes(row.bytes),
        bytes(row.gzipBytes),
        ms(row.importMs),
        ms(row.processMs),
        baseline ? `${delta(row.importMs - baseline.importMs, 2)} ms (${ratio(row.importMs / baseline.importMs)})` : '',
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n')
}

export function sessionSizeSection(rows: SizeRow[]): string {
  return [
    '## 5. Session size',
    '',
    'A signed-in session whose cart holds the given JSON bytes. Read: `GET /cart` (no write). Full write: the',
    'handler replaces the cart (one key carrying all the bytes). Diff write: the handler sets one small key',
    'beside the cart; only that key travels. Latency on DynamoDB Local one request at a time; CPU on the',
    'in-memory stores (mean CPU µs per invocation).',
    '',
    table(
      ['session data', 'operation', 'p50 ms', 'p99 ms', 'RCU', 'WCU', 'chain CPU µs'],
      rows.map((row) => [
        bytes(row.sessionBytes),
        row.operation,
        ms(row.p50Ms),
        ms(row.p99Ms),
        perRequest(row.readUnits),
        perRequest(row.writeUnits),
        us(row.cpuUs),
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n')
}
