import { expect, test } from '@jest/globals'
import { hasInvocationTimedOut, onInvocationTimeout } from '@lambda-session/core'
import { httpEvent, pendingTimers, recordingLogger, sleep, watched } from './watchdog-harness.js'

/** A small seeded PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const pick = <T>(next: () => number, choices: readonly T[]): T => choices[Math.floor(next() * choices.length)] as T

/** What a real, a hand-made or a broken context may answer. */
const remainingChoices = [undefined, Number.NaN, -5, 0, 1, 40, 80, 120, 1e12, Number.POSITIVE_INFINITY, '100', 'throws']

function oddContext(remaining: unknown): object {
  if (remaining === undefined) return {}
  return {
    getRemainingTimeInMillis: () => {
      if (remaining === 'throws') throw new Error('broken clock')
      return remaining
    },
  }
}

test('concurrent invocations with odd clocks, margins and hooks: each gets its own answer, nothing crashes or leaks', async () => {
  const next = random(0x7e57)
  const logger = recordingLogger()
  const runs = Array.from({ length: 80 }, (_, id) => ({
    id,
    remaining: pick(next, remainingChoices),
    marginMs: Math.floor(next() * 60),
    workMs: Math.floor(next() * 60),
    hook: pick(next, ['none', 'quick', 'throws', 'hangs'] as const),
  }))

  const outcomes = await Promise.all(
    runs.map(async (run) => {
      const handler = watched(
        async (_event, _context, { signal }) => {
          await sleep(run.workMs, signal)
          return { statusCode: 200, body: String(run.id) }
        },
        { marginMs: run.marginMs, logger },
        {
          before: (request: { context: object }) => {
            if (run.hook === 'none') return
            onInvocationTimeout(request.context, 'fuzz', () => {
              if (run.hook === 'throws') throw new Error('hook failed')
              if (run.hook === 'hangs') return new Promise(() => {})
              return undefined
            })
          },
        },
      )
      const context = oddContext(run.remaining)
      const response = (await handler(httpEvent() as never, context as never)) as { statusCode: number; body?: string }
      return { run, context, response }
    }),
  )

  for (const { run, context, response } of outcomes) {
    expect([200, 503]).toContain(response.statusCode)
    // Each invocation answers for itself: its own body, or a 503 because its own deadline passed.
    if (response.statusCode === 200) expect(response.body).toBe(String(run.id))
    expect(hasInvocationTimedOut(context)).toBe(response.statusCode === 503)
    // No usable clock: never a timeout.
    if (typeof run.remaining !== 'number' || !Number.isFinite(run.remaining)) expect(response.statusCode).toBe(200)
  }
  // The abandoned handlers stop at their signal; let the last of them settle, then nothing may be left.
  await sleep(80)
  expect(pendingTimers()).toEqual([])
  expect(logger.events().filter((event) => event === 'no-remaining-time').length).toBeGreaterThan(0)
})
