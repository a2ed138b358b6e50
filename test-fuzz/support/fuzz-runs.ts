import { afterAll } from '@jest/globals'
import type fc from 'fast-check'
import { recordFigures } from '../../test-faults/support/figures.js'

/**
 * Cases per property: `FUZZ_RUNS`, 2,000 by default (what `pnpm test:faults`
 * and CI run); `pnpm test:fuzz` sets 100,000.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000)

/** A seed per run, printed by fast-check on failure so the case replays (`FUZZ_SEED` pins it). */
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? Date.now() : Number(process.env.FUZZ_SEED)

/**
 * Jest timeout for a property whose cases take about `msPerCase` (measured
 * on a 2-core machine), with room for a slower one and for shrinking a failure.
 */
export function fuzzTimeout(msPerCase: number): number {
  return Math.max(120_000, FUZZ_RUNS * msPerCase * 5)
}

/** `fc.assert` options for every property: the run count and the seed (failures are shrunk, then reported). */
export function fuzzParameters<T>(): fc.Parameters<T> {
  return { numRuns: FUZZ_RUNS, seed: FUZZ_SEED }
}

/**
 * Collects the properties a test file proved and records them as one section
 * of RELIABILITY.md after the file ran (only those that passed are listed).
 */
export function propertyFigures(id: string, title: string, file: string) {
  const proved: [string, number][] = []
  afterAll(() => {
    if (proved.length === 0) return
    recordFigures({
      id,
      title,
      command: `${FUZZ_RUNS === 100_000 ? 'pnpm test:fuzz' : 'pnpm test:faults'} (${file})`,
      setup:
        `fast-check properties, ${FUZZ_RUNS.toLocaleString('en-US')} cases each in this run ` +
        '(`pnpm test:faults` and CI run 2,000, `pnpm test:fuzz` 100,000); each row held for every generated case.',
      rows: [
        ...proved.map(([name, runs]): [string, string] => [name, `${runs.toLocaleString('en-US')} cases, 0 failures`]),
        [
          'total',
          `${proved.length} ${proved.length === 1 ? 'property' : 'properties'}, ${proved
            .reduce((sum, [, runs]) => sum + runs, 0)
            .toLocaleString('en-US')} cases`,
        ],
      ],
    })
  })
  return {
    /** Marks a property as held for `runs` cases. */
    held(name: string, runs = FUZZ_RUNS) {
      proved.push([name, runs])
    },
  }
}
