import type { Config } from 'jest'
import base from './jest.config.ts'

/**
 * The fault suite (`pnpm test:faults`): store outages, throttling, a slow
 * store under the watchdog and the security checks in `test-faults/`, plus
 * the property tests in `test-fuzz/` at CI size (FUZZ_RUNS, a few thousand
 * cases per property). Same transform, module mapping and shared DynamoDB
 * Local as `pnpm test`; the outage tests start and stop instances of their
 * own on top. One worker: the figures are timings, and two JVMs plus the
 * tests competing for the CPU would measure the machine, not the code.
 */
const config: Config = {
  ...base,
  roots: ['<rootDir>/test-faults', '<rootDir>/test-fuzz'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
}

export default config
