/**
 * How long and how often each scenario runs. `--quick` exercises every
 * scenario once with tiny counts so CI keeps the code working; its numbers
 * mean nothing and it writes its report outside the repository's
 * BENCHMARKS.md.
 */
export interface BenchSettings {
  quick: boolean
  /** Every task runs `iterationsPerSlice` invocations in each of `slices` slices; the first slice warms each task up first. */
  cpu: { slices: number; iterationsPerSlice: number; warmupIterations: number }
  /** Per concurrency level, the requests of one round; warm-up requests come on top and are not counted. */
  /** Per level, `rounds` rounds of `requests` each; the warm-up requests run before a system's first round only. */
  dynamodb: { levels: { concurrency: number; requests: number; rounds: number }[]; warmupRequests: number }
  /** Scenario 6, the session stores side by side: the same shape as `dynamodb`. */
  stores: { levels: { concurrency: number; requests: number }[]; warmupRequests: number; rounds: number }
  /** `requests` per operation and size; a quarter of that above 50 KB, where one request takes a tenth of a second. */
  sessionSize: { bytes: number[]; requests: number; cpuTimeMs: number; cpuMinIterations: number }
  coldStart: { spawns: number }
}

export function benchSettings(quick: boolean): BenchSettings {
  if (quick) {
    return {
      quick,
      cpu: { slices: 2, iterationsPerSlice: 2, warmupIterations: 1 },
      dynamodb: {
        levels: [
          { concurrency: 1, requests: 2, rounds: 1 },
          { concurrency: 32, requests: 32, rounds: 1 },
        ],
        warmupRequests: 1,
      },
      stores: {
        levels: [
          { concurrency: 1, requests: 2 },
          { concurrency: 32, requests: 32 },
        ],
        warmupRequests: 1,
        rounds: 1,
      },
      sessionSize: { bytes: [100, 300_000], requests: 2, cpuTimeMs: 5, cpuMinIterations: 1 },
      coldStart: { spawns: 1 },
    }
  }
  return {
    quick,
    // Many short slices, tasks interleaved in each: a shared machine drifts,
    // and drift then hits the variants compared within a slice alike.
    cpu: { slices: 120, iterationsPerSlice: 250, warmupIterations: 2000 },
    dynamodb: {
      // Many short rounds in alternating order: this machine's speed drifts by
      // up to 2× within seconds, and rounds a fraction of a second long let
      // the two systems share that drift. One at a time, a round of 25
      // requests lasts about a quarter of a second.
      levels: [
        { concurrency: 1, requests: 25, rounds: 24 },
        { concurrency: 32, requests: 256, rounds: 6 },
      ],
      warmupRequests: 32,
    },
    // Three stores take turns: fewer rounds than scenario 2 keep the run's length in check.
    stores: {
      levels: [
        { concurrency: 1, requests: 100 },
        { concurrency: 32, requests: 256 },
      ],
      warmupRequests: 32,
      rounds: 3,
    },
    sessionSize: { bytes: [100, 1_000, 10_000, 100_000, 300_000], requests: 100, cpuTimeMs: 200, cpuMinIterations: 32 },
    coldStart: { spawns: 21 },
  }
}
