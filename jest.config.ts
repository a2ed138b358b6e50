import { existsSync } from 'node:fs'
import type { Config } from 'jest'

/**
 * One Jest run over every package and example. Tests import the packages by
 * name and run their TypeScript sources (compiled by SWC to ESM), so `pnpm
 * test` needs no prior build. DynamoDB Local starts once for the whole run.
 */
const config: Config = {
  testEnvironment: 'node',
  // Jest refuses a root that doesn't exist; a checkout may have no examples yet.
  roots: ['packages', 'examples']
    .filter((dir) => existsSync(new URL(dir, import.meta.url)))
    .map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^@lambda-session/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/test-support/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
}

export default config
