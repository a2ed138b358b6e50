/** The latencies of one load run and how long it took from first send to last answer. */
export interface LoadRun {
  latenciesMs: number[]
  elapsedMs: number
}

/**
 * Sends `requests` requests from `concurrency` workers, each starting its
 * next request when its previous one answered (closed loop, like clients
 * waiting on a Lambda function). `send` gets the request's index and the
 * worker's, so a scenario can give each worker a session of its own.
 */
export async function runLoad(
  concurrency: number,
  requests: number,
  send: (index: number, worker: number) => Promise<void>,
): Promise<LoadRun> {
  const latenciesMs: number[] = []
  let next = 0
  const worker = async (workerIndex: number): Promise<void> => {
    while (next < requests) {
      const index = next++
      const startedAt = performance.now()
      await send(index, workerIndex)
      latenciesMs.push(performance.now() - startedAt)
    }
  }
  const startedAt = performance.now()
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, (_, index) => worker(index)))
  return { latenciesMs, elapsedMs: performance.now() - startedAt }
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

/** What a scenario counted over its requests: latencies, wall time and SDK commands. */
export interface RequestTally {
  latenciesMs: number[]
  elapsedMs: number
  requests: number
  /** Commands sent, by name (e.g. `GetItemCommand`). */
  calls: Record<string, number>
}

/** The columns every latency table shares: what {@link summarizeTally} gives. */
export interface LoadSummary {
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Round trips per request. */
  roundTrips: number
  /** Commands per request, by name without the `Command` suffix. */
  calls: Record<string, number>
}

/** The columns every latency table shares, per request where it says so. */
export function summarizeTally(tally: RequestTally): LoadSummary {
  const perRequest = (value: number) => value / tally.requests
  return {
    requests: tally.requests,
    requestsPerSecond: (tally.requests / tally.elapsedMs) * 1000,
    p50Ms: percentile(tally.latenciesMs, 50),
    p99Ms: percentile(tally.latenciesMs, 99),
    roundTrips: perRequest(Object.values(tally.calls).reduce((sum, count) => sum + count, 0)),
    calls: Object.fromEntries(
      Object.entries(tally.calls).map(([command, count]) => [command.replace(/Command$/, ''), perRequest(count)]),
    ),
  }
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50)
}
