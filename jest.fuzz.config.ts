import type { Config } from 'jest'
import base from './jest.config.ts'

/**
 * The property tests alone (`pnpm test:fuzz`, 100,000 cases per property via
 * FUZZ_RUNS). `pnpm test:faults` runs the same files at CI size.
 */
const config: Config = {
  ...base,
  roots: ['<rootDir>/test-fuzz'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 3_600_000,
}

export default config
