import { afterAll, beforeAll, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { invoke, request, sidFrom } from '../test-faults/support/invoke.js'
import { anyEvent } from './support/arbitraries.js'
import { startFuzzApp } from './support/fuzz-app.js'
import { fuzzParameters, fuzzTimeout, propertyFigures } from './support/fuzz-runs.js'

// Whole events of every shape, then damaged (fields missing or null,
// multi-value headers, base64 bodies that aren't, odd methods and paths),
// through the full chain: watchdog, cookie parser, loader, guard, saver,
// error handler. The answer is always a response below 500.
let app: Awaited<ReturnType<typeof startFuzzApp>>
const figures = propertyFigures('40-properties-events', 'Properties: whole events', 'test-fuzz/events.fuzz.test.ts')

const sids: string[] = []

beforeAll(async () => {
  app = await startFuzzApp('fuzz-events')
  // Real sessions, so cases that carry their cookies load and write them.
  for (const userId of ['alice', 'bob', 'carol']) {
    const login = await invoke(app.handler, request('POST', '/login', { body: { userId } }))
    sids.push(sidFrom(login.response) as string)
  }
})
afterAll(() => app.client.destroy())

test(
  'any event, however damaged: a structured response below 500, never a throw',
  async () => {
    await fc.assert(
      fc.asyncProperty(anyEvent(sids), async (event) => {
        app.errors.length = 0
        const answer = await invoke(app.handler, event, { functionTimeoutMs: 10_000 })
        if (answer.outcome === 'threw' || answer.outcome === 'hung' || answer.outcome >= 500) {
          throw new Error(
            `answered ${answer.outcome}: ${String(answer.error ?? app.errors[0] ?? answer.response?.body)}`,
          )
        }
        expect(typeof answer.response?.statusCode).toBe('number')
      }),
      fuzzParameters(),
    )
    figures.held('any event of any shape, damaged: a response < 500, never a throw')
  },
  fuzzTimeout(5),
)
