import { beforeEach, describe, expect, test } from '@jest/globals'
import {
  attachInvocationDeadline,
  ConfigurationError,
  hasInvocationTimedOut,
  invocationSignal,
  onInvocationTimeout,
} from '@lambda-session/core'
import { createLambdaContext, ManualClock } from '@lambda-session/testing'
import {
  executionModeTimeoutWatchdog,
  InvocationTimedOutError,
  timeoutWatchdog,
} from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import {
  httpEvent,
  pendingTimers,
  type RecordingLogger,
  recordingLogger,
  sleep,
  timed,
  timerSnapshot,
  watched,
} from './watchdog-harness.js'

// A 600 ms function with a 200 ms margin: the watchdog fires at ~400 ms and
// must answer before 600 ms. (300/100 works too, but a busy CI machine delays
// timers by tens of ms; the margin must be meaningful next to that.)
const TIMEOUT_MS = 600
const MARGIN_MS = 200
const context = () => createLambdaContext({ timeoutMs: TIMEOUT_MS })

let logger: RecordingLogger
beforeEach(() => {
  logger = recordingLogger()
})

/** A test that must leave no timer behind: each waits for its abandoned work, so whatever is left is a leak. */
function leakFree(name: string, body: () => Promise<void>): void {
  test(name, async () => {
    const before = timerSnapshot() // a test that failed early may have left its own behind
    await body()
    expect(pendingTimers(before)).toEqual([])
  })
}

/** A middleware that registers a timeout hook under `name`, recording into `ran`. */
function hookRegistrar(name: string, ran: string[], hook: (signal: AbortSignal) => unknown = () => {}) {
  return {
    before: (request: { context: object }) => {
      onInvocationTimeout(request.context, name, ({ signal }) => {
        ran.push(name)
        return hook(signal)
      })
    },
  }
}

describe('a handler that overruns', () => {
  leakFree('gets 503 with Retry-After and a JSON body, within the margin, and sees the signal abort', async () => {
    let seen: { third?: boolean; core?: boolean; outcome?: string } = {}
    const handler = watched(
      async (_event, lambdaContext: object, { signal }) => {
        const outcome = await sleep(2000, signal)
        seen = { third: signal.aborted, core: invocationSignal(lambdaContext)?.aborted, outcome }
        return { statusCode: 200, body: 'late' }
      },
      { marginMs: MARGIN_MS, logger },
    )
    const ctx = context()
    const { response, ms } = await timed(handler, httpEvent(), ctx)

    expect(response.statusCode).toBe(503)
    expect(response.headers).toMatchObject({ 'Retry-After': '1', 'Content-Type': 'application/json' })
    expect(JSON.parse(response.body as string)).toEqual({ message: expect.stringContaining('retry') })
    // Answered inside the margin: not before it began, and before the hard timeout.
    expect(ms).toBeLessThan(TIMEOUT_MS)
    expect(ctx.getRemainingTimeInMillis()).toBeLessThanOrEqual(MARGIN_MS)
    expect(ctx.getRemainingTimeInMillis()).toBeGreaterThan(0)
    await logger.waitFor('abandoned-settled')
    expect(seen).toEqual({ third: true, core: true, outcome: 'aborted' })
    expect(hasInvocationTimedOut(ctx)).toBe(true)
    expect(logger.entries.find((e) => e.details.event === 'timed-out')?.level).toBe('warn')
  })

  leakFree('hooks run last-registered first, then onTimeout, and the answer waits for them', async () => {
    const ran: string[] = []
    const handler = watched(
      async (_event, _context, { signal }) => sleep(2000, signal),
      {
        // Order is what this test checks, so the hooks get most of a wide
        // margin: a loaded machine's scheduling lag must not cut one short.
        marginMs: 450,
        hooksBudgetMs: 400,
        logger,
        onTimeout: async (request, timeout) => {
          expect(request.context).toHaveProperty('awsRequestId')
          expect(timeout.budgetMs).toBeGreaterThan(0)
          // An async hook that yields without a timer: its outcome must not depend on a loaded machine's timer lag.
          await new Promise((resolve) => setImmediate(resolve))
          ran.push('onTimeout')
        },
      },
      hookRegistrar('first', ran, () => new Promise((resolve) => setImmediate(resolve))),
      hookRegistrar('second', ran),
    )
    const { response, ms } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    expect(ms).toBeLessThan(TIMEOUT_MS)
    expect(ran).toEqual(['second', 'first', 'onTimeout'])
    const fired = logger.entries.find((e) => e.details.event === 'timed-out')
    expect(fired?.details.hooks).toEqual([
      { name: 'second', outcome: 'done', ms: expect.any(Number) },
      { name: 'first', outcome: 'done', ms: expect.any(Number) },
      { name: 'onTimeout', outcome: 'done', ms: expect.any(Number) },
    ])
    await logger.waitFor('abandoned-settled')
  })

  leakFree('a hook that hangs costs only its share; one that throws is logged; the rest still run', async () => {
    const ran: string[] = []
    let hangingSignal: AbortSignal | undefined
    const hangForever = new Promise(() => {})
    const handler = watched(
      async (_event, _context, { signal }) => sleep(2000, signal),
      { marginMs: 400, logger }, // room to tell a hook's share from scheduling noise
      hookRegistrar('after-both', ran),
      {
        before: (request: { context: object }) => {
          onInvocationTimeout(request.context, 'throws', () => {
            ran.push('throws')
            throw new Error('boom')
          })
        },
      },
      {
        before: (request: { context: object }) => {
          onInvocationTimeout(request.context, 'hangs', ({ signal }) => {
            ran.push('hangs')
            hangingSignal = signal
            return hangForever
          })
        },
      },
    )
    const { response, ms } = await timed(handler, httpEvent(), createLambdaContext({ timeoutMs: 1000 }))
    expect(response.statusCode).toBe(503)
    expect(ms).toBeLessThan(1000)
    expect(ran).toEqual(['hangs', 'throws', 'after-both'])
    expect(hangingSignal?.aborted).toBe(true)
    expect(logger.events()).toEqual(expect.arrayContaining(['hook-timed-out', 'hook-failed', 'timed-out']))
    const outcomes = logger.entries.find((e) => e.details.event === 'timed-out')?.details.hooks
    expect(outcomes).toEqual([
      expect.objectContaining({ name: 'hangs', outcome: 'timed-out' }),
      expect.objectContaining({ name: 'throws', outcome: 'failed' }),
      expect.objectContaining({ name: 'after-both', outcome: 'done' }),
    ])
    await logger.waitFor('abandoned-settled')
  })

  leakFree('the answer is the configured response: a value or a function of the request', async () => {
    const fixed = { statusCode: 504, body: '{"error":"slow"}' }
    const byValue = watched(async (_e, _c, { signal }) => sleep(2000, signal), {
      marginMs: MARGIN_MS,
      logger,
      response: fixed,
    })
    const first = await timed(byValue, httpEvent(), context())
    expect(first.response).toEqual(fixed)
    expect(first.response).not.toBe(fixed) // a copy: nobody downstream can change the next answer
    await logger.waitFor('abandoned-settled')

    const second = recordingLogger()
    const byFunction = watched(async (_e, _c, { signal }) => sleep(2000, signal), {
      marginMs: MARGIN_MS,
      logger: second,
      retryAfterSeconds: 7,
      response: (request) => ({ statusCode: 503, body: String((request.event as { rawPath: string }).rawPath) }),
    })
    expect((await timed(byFunction, httpEvent(), context())).response).toEqual({ statusCode: 503, body: '/work' })
    await second.waitFor('abandoned-settled')
  })

  leakFree('a response option that throws or returns a promise still answers, with the default 503', async () => {
    const handler = watched(async (_e, _c, { signal }) => sleep(2000, signal), {
      marginMs: MARGIN_MS,
      logger,
      response: () => {
        throw new Error('bad response option')
      },
    })
    const { response } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    expect(logger.events()).toContain('response-failed')
    await logger.waitFor('abandoned-settled')

    const second = recordingLogger()
    const asynchronous = watched(async (_e, _c, { signal }) => sleep(2000, signal), {
      marginMs: MARGIN_MS,
      logger: second,
      retryAfterSeconds: 3,
      response: async () => ({ statusCode: 200 }),
    })
    const answered = await timed(asynchronous, httpEvent(), context())
    expect(answered.response).toMatchObject({ statusCode: 503, headers: { 'Retry-After': '3' } })
    expect(second.events()).toContain('response-failed')
    await second.waitFor('abandoned-settled')
  })

  leakFree('a handler that never settles leaves no timer behind (core’s own early timeout is off)', async () => {
    const handler = watched(() => new Promise(() => {}), { marginMs: MARGIN_MS, logger })
    const { response } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    // leakFree checks the timer count; nothing else will ever settle here.
  })
})

describe('the whole chain is covered', () => {
  leakFree('a slow before (a store call) is cut off, and the abandoned chain never starts the handler', async () => {
    let runs = 0
    let errorSeen: unknown
    const handler = watched(
      async () => {
        runs++
        return { statusCode: 200 }
      },
      { marginMs: MARGIN_MS, logger },
      {
        before: async () => {
          await sleep(TIMEOUT_MS + 50) // a store call slower than the function's timeout
        },
        onError: (request: { error?: unknown }) => {
          errorSeen = request.error
        },
      },
    )
    const { response, ms } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    expect(ms).toBeLessThan(TIMEOUT_MS)
    await logger.waitFor('abandoned-settled')
    expect(runs).toBe(0)
    expect(errorSeen).toBeInstanceOf(InvocationTimedOutError)
  })

  leakFree('a slow after is cut off too', async () => {
    const handler = watched(
      async () => ({ statusCode: 200 }),
      { marginMs: MARGIN_MS, logger },
      {
        after: async () => {
          await sleep(TIMEOUT_MS + 50)
        },
      },
    )
    const { response, ms } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    expect(ms).toBeLessThan(TIMEOUT_MS)
    await logger.waitFor('abandoned-settled')
  })

  leakFree('once fired, the answer stays the 503 even if the chain finishes while the hooks run', async () => {
    const handler = watched(
      async () => {
        await sleep(TIMEOUT_MS - MARGIN_MS + 10) // finishes just after the watchdog fired
        return { statusCode: 200, body: 'too late' }
      },
      { marginMs: MARGIN_MS, logger },
      hookRegistrar('slow-hook', [], (signal) => sleep(30, signal)),
    )
    const { response } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    await logger.waitFor('abandoned-settled')
  })
})

describe('no cut-off, and nothing left armed, when the chain ends in time', () => {
  leakFree('a handler that finishes just in time is not cut off', async () => {
    const ctx = context()
    const handler = watched(
      async (_e, _c, { signal }) => {
        await sleep(TIMEOUT_MS - MARGIN_MS - 150) // done before the timer's moment, with room for a busy machine
        return { statusCode: 200, body: String(signal.aborted) }
      },
      { marginMs: MARGIN_MS, logger },
    )
    const { response } = await timed(handler, httpEvent(), ctx)
    expect(response).toMatchObject({ statusCode: 200, body: 'false' })
    await sleep(TIMEOUT_MS) // past the moment the timer would have fired
    expect(logger.events()).not.toContain('timed-out')
    expect(hasInvocationTimedOut(ctx)).toBe(false)
    expect(invocationSignal(ctx)).toBeUndefined() // detached: the context is free again
  })

  leakFree('early return from a before (which skips every after) clears the timer', async () => {
    const ctx = context()
    const handler = watched(
      async () => ({ statusCode: 200 }),
      { marginMs: MARGIN_MS, logger },
      {
        before: () => ({ statusCode: 304 }),
      },
    )
    expect((await timed(handler, httpEvent(), ctx)).response).toEqual({ statusCode: 304 })
    await sleep(TIMEOUT_MS)
    expect(logger.events()).not.toContain('timed-out')
    expect(attachInvocationDeadline(ctx)?.detach()).toBeUndefined() // attachable again: the watch let go
  })

  leakFree('an error (turned into a 500 by http-error-handler) clears the timer', async () => {
    const handler = watched(
      async () => {
        throw new Error('handler failed')
      },
      { marginMs: MARGIN_MS, logger },
    )
    expect((await timed(handler, httpEvent(), context())).response.statusCode).toBe(500)
  })

  leakFree('an unhandled error still clears the timer and reaches the caller', async () => {
    const handler = middy(
      async () => {
        throw new Error('unhandled')
      },
      { executionMode: executionModeTimeoutWatchdog },
    ).use(timeoutWatchdog({ marginMs: MARGIN_MS, logger }))
    await expect(handler(httpEvent() as never, context() as never)).rejects.toThrow('unhandled')
  })

  leakFree('never fires into another invocation: the next one on the same handler is untouched', async () => {
    const slow = { on: true }
    const handler = watched(
      async (_e, _c, { signal }) => {
        if (slow.on) await sleep(2000, signal)
        return { statusCode: 200 }
      },
      { marginMs: MARGIN_MS, logger },
    )
    const first = context()
    expect((await timed(handler, httpEvent(), first)).response.statusCode).toBe(503)
    slow.on = false
    const second = context()
    expect((await timed(handler, httpEvent(), second)).response.statusCode).toBe(200)
    await logger.waitFor('abandoned-settled')
    await sleep(TIMEOUT_MS)
    expect(logger.events().filter((e) => e === 'timed-out')).toHaveLength(1)
    expect(hasInvocationTimedOut(first)).toBe(true) // stays marked: its late work is refused
    expect(hasInvocationTimedOut(second)).toBe(false)
  })
})

describe('the clock comes from the context', () => {
  leakFree('a ManualClock context near its end: the timer is armed from getRemainingTimeInMillis', async () => {
    const clock = new ManualClock()
    const ctx = createLambdaContext({ timeoutMs: 60_000, clock })
    clock.advance(60_000 - 2 * MARGIN_MS) // a minute-long function with 2 margins left: fires in one margin
    const handler = watched(async (_e, _c, { signal }) => sleep(5000, signal), { marginMs: MARGIN_MS, logger })
    const { response, ms } = await timed(handler, httpEvent(), ctx)
    expect(response.statusCode).toBe(503)
    expect(ms).toBeGreaterThanOrEqual(MARGIN_MS - 5)
    expect(ms).toBeLessThan(2 * MARGIN_MS)
    expect(logger.entries.find((e) => e.details.event === 'timed-out')?.details.remainingMs).toBe(2 * MARGIN_MS)
    await logger.waitFor('abandoned-settled')
  })

  leakFree('less time left than the margin: answers at once and warns once', async () => {
    const clock = new ManualClock()
    const handler = watched(async (_e, _c, { signal }) => sleep(5000, signal), { marginMs: MARGIN_MS, logger })
    for (let i = 0; i < 2; i++) {
      const ctx = createLambdaContext({ timeoutMs: 1000, clock })
      clock.advance(950)
      const { response, ms } = await timed(handler, httpEvent(), ctx)
      expect(response.statusCode).toBe(503)
      expect(ms).toBeLessThan(MARGIN_MS / 2) // at once, not after a margin
      await logger.waitFor('abandoned-settled', i + 1)
    }
    expect(logger.events().filter((e) => e === 'margin-too-large')).toHaveLength(1)
  })
})

describe('where it can’t watch, it says so once and stands aside', () => {
  leakFree('a context without getRemainingTimeInMillis: one warning, the handler runs normally', async () => {
    const handler = watched(async (_e, _c, { signal }) => ({ statusCode: 200, body: String(signal.aborted) }), {
      marginMs: MARGIN_MS,
      logger,
    })
    for (let i = 0; i < 3; i++) {
      const response = (await handler(httpEvent() as never, {} as never)) as { statusCode: number }
      expect(response.statusCode).toBe(200)
    }
    const warnings = logger.entries.filter((e) => e.details.event === 'no-remaining-time')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.level).toBe('warn')
  })

  leakFree('without the execution mode: one error line, the handler runs unwatched', async () => {
    const handler = middy(async () => ({ statusCode: 200 }), { timeoutEarlyInMillis: 0 }).use(
      timeoutWatchdog({ marginMs: MARGIN_MS, logger }),
    )
    for (let i = 0; i < 2; i++)
      expect(await handler(httpEvent() as never, context() as never)).toEqual({ statusCode: 200 })
    expect(logger.entries.filter((e) => e.details.event === 'no-execution-mode')).toEqual([
      expect.objectContaining({ level: 'error' }),
    ])
  })

  leakFree('a context reused after it timed out is treated as the abandoned invocation: handler refused', async () => {
    const ctx = createLambdaContext({ timeoutMs: 10_000 })
    attachInvocationDeadline(ctx)?.expire()
    let runs = 0
    const handler = watched(async () => ({ statusCode: 200, body: String(++runs) }), { marginMs: MARGIN_MS, logger })
    const response = (await handler(httpEvent() as never, ctx as never)) as { statusCode: number }
    expect(response.statusCode).toBe(503) // InvocationTimedOutError, through http-error-handler
    expect(runs).toBe(0)
    expect(logger.events()).toContain('already-watched')
    expect(hasInvocationTimedOut(ctx)).toBe(true)
  })

  test('options are checked when the middleware is created', () => {
    expect(() => timeoutWatchdog({ marginMs: -1 })).toThrow(ConfigurationError)
    expect(() => timeoutWatchdog({ marginMs: Number.NaN })).toThrow(ConfigurationError)
    expect(() => timeoutWatchdog({ marginMs: 100, hooksBudgetMs: 200 })).toThrow(/can't exceed marginMs/)
    expect(() => timeoutWatchdog({ onTimeout: 'save' as never })).toThrow(ConfigurationError)
    expect(() => timeoutWatchdog({ response: { statusCode: 503, toJSON: () => 1 } })).toThrow()
  })
})

describe('the lazy signal and the handler wrapper', () => {
  leakFree('a before that stalls past the deadline: the signal it reads only then is already aborted', async () => {
    let seen: { aborted?: boolean; name?: string } = {}
    let handlerRuns = 0
    const handler = watched(
      async () => {
        handlerRuns++
        return { statusCode: 200 }
      },
      { marginMs: MARGIN_MS, logger },
      {
        before: async (request: { context: object }) => {
          // Nobody has read the signal yet: the watchdog fires while this waits.
          while (!hasInvocationTimedOut(request.context)) await sleep(20)
          const signal = invocationSignal(request.context)
          seen = { aborted: signal?.aborted, name: (signal?.reason as DOMException | undefined)?.name }
        },
      },
    )
    const { response } = await timed(handler, httpEvent(), context())
    expect(response.statusCode).toBe(503)
    await logger.waitFor('abandoned-settled')
    expect(seen).toEqual({ aborted: true, name: 'TimeoutError' })
    expect(handlerRuns).toBe(0)
  })

  test('a handler swapped in with .handler() after the first request is the one called', async () => {
    const handler = watched(async () => ({ statusCode: 200, body: 'first' }), { marginMs: MARGIN_MS, logger })
    expect(((await handler(httpEvent() as never, context() as never)) as { body: string }).body).toBe('first')
    handler.handler((async (_event: unknown, lambdaContext: object, { signal }: { signal: AbortSignal }) => ({
      statusCode: 200,
      body: String(signal === invocationSignal(lambdaContext)),
    })) as never)
    expect(((await handler(httpEvent() as never, context() as never)) as { body: string }).body).toBe('true')
  })
})

describe('the core registry', () => {
  test('the signal is made on first read: read after expiry, it is already aborted with the reason', () => {
    const ctx = {}
    const deadline = attachInvocationDeadline(ctx)
    if (!deadline) throw new Error('attach failed')
    const reason = new Error('out of time')
    expect(deadline.expire(reason)).toEqual([])
    const signal = invocationSignal(ctx)
    expect(signal?.aborted).toBe(true)
    expect(signal?.reason).toBe(reason)
    expect(deadline.signal).toBe(signal) // one signal per invocation, whoever asks
  })

  test('a signal read before expiry is the one that aborts, and its listeners run', () => {
    const ctx = {}
    const deadline = attachInvocationDeadline(ctx)
    if (!deadline) throw new Error('attach failed')
    const signal = invocationSignal(ctx) as AbortSignal
    const heard: unknown[] = []
    signal.addEventListener('abort', () => heard.push(signal.reason))
    expect(signal.aborted).toBe(false)
    deadline.expire()
    expect(heard).toEqual([expect.objectContaining({ name: 'TimeoutError' })])
    expect(deadline.signal).toBe(signal)
  })

  test('without a watchdog every call is a no-op', () => {
    const ctx = {}
    expect(onInvocationTimeout(ctx, 'x', () => {})).toBe(false)
    expect(invocationSignal(ctx)).toBeUndefined()
    expect(hasInvocationTimedOut(ctx)).toBe(false)
  })

  test('registering a name again replaces the hook in its place; after expiry nothing registers', () => {
    const ctx = {}
    const deadline = attachInvocationDeadline(ctx)
    if (!deadline) throw new Error('attach failed')
    const a = () => 'a'
    const b = () => 'b'
    const b2 = () => 'b2'
    expect(attachInvocationDeadline(ctx)).toBeUndefined()
    onInvocationTimeout(ctx, 'a', a)
    onInvocationTimeout(ctx, 'b', b)
    onInvocationTimeout(ctx, 'a', b2)
    expect(deadline.expire().map((e) => [e.name, e.hook])).toEqual([
      ['b', b],
      ['a', b2],
    ])
    expect(deadline.signal.aborted).toBe(true)
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError')
    expect(deadline.expire()).toEqual([])
    expect(onInvocationTimeout(ctx, 'late', a)).toBe(false)
    deadline.detach() // a timed-out context stays marked
    expect(hasInvocationTimedOut(ctx)).toBe(true)
  })
})
