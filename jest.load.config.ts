import type { Config } from 'jest'
import base from './jest.config.ts'

/**
 * The load test (`pnpm test:load`): the example shop served by the local
 * server on DynamoDB Local, hammered by 32 concurrent clients, then audited.
 * Alone in its run: its figures are throughput and latency.
 */
const config: Config = {
  ...base,
  roots: ['<rootDir>/test-load'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
}

export default config
