import type * as JestGlobals from '@jest/globals'

/**
 * `@jest/globals` throws when imported outside Jest, and this package's
 * index is also imported by plain Node code (local servers, benchmarks).
 * So it is imported dynamically, and only needed once a suite registers.
 * Inside Jest this resolves to the running test file's own globals.
 */
const jestGlobals: typeof JestGlobals | undefined = await import('@jest/globals').catch(() => undefined)

/**
 * Jest's `describe`, `test`, `expect` and hooks for the test file that is
 * registering a conformance suite.
 *
 * @example
 * ```ts
 * const { describe, test, expect } = jestApi()
 * ```
 */
export function jestApi(): typeof JestGlobals {
  if (!jestGlobals) {
    throw new Error('The store conformance suites register Jest tests: call them at the top level of a Jest test file.')
  }
  return jestGlobals
}
