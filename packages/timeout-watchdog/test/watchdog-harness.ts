import { createHook } from 'node:async_hooks'
import type { HttpResponse, Logger } from '@lambda-session/core'
import { buildHttpEvent } from '@lambda-session/testing'
import {
  executionModeTimeoutWatchdog,
  type TimeoutWatchdogOptions,
  timeoutWatchdog,
} from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
// Internal state, for "nothing left armed": the same module instance the package's src uses.
import { watchTimerState } from '../src/watch-timer.js'

/** One logged line. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  details: Record<string, unknown>
}

/** A logger that keeps every line and lets a test wait for an event. */
export interface RecordingLogger extends Logger {
  readonly entries: LogEntry[]
  /** The `event` field of every line, in order. */
  events(): string[]
  /** Resolves when a line with this `event` is (or was) logged `count` times; rejects after `timeoutMs`. */
  waitFor(event: string, count?: number, timeoutMs?: number): Promise<LogEntry>
}

export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = []
  const waiters: Array<{ event: string; count: number; resolve: (entry: LogEntry) => void }> = []
  const logged = (event: string) => entries.filter((entry) => entry.details.event === event)
  const log =
    (level: LogEntry['level']) =>
    (message: string, details: Record<string, unknown> = {}) => {
      const entry = { level, message, details }
      entries.push(entry)
      const ready = waiters.filter((w) => w.event === details.event && logged(w.event).length >= w.count)
      for (const waiter of ready) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(entry)
      }
    }
  return {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    events: () => entries.map((entry) => String(entry.details.event)),
    waitFor(event, count = 1, timeoutMs = 3000) {
      const found = logged(event)[count - 1]
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`'${event}' not logged ${count}x in ${timeoutMs} ms`)),
          timeoutMs,
        )
        waiters.push({
          event,
          count,
          resolve: (entry) => {
            clearTimeout(timer)
            resolve(entry)
          },
        })
      })
    },
  }
}

/** Waits `ms`, or less when `signal` aborts (then resolves with 'aborted'). Leaves no timer behind either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<'slept' | 'aborted'> {
  if (signal?.aborted) return Promise.resolve('aborted')
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve('aborted')
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve('slept')
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Timers created by this repository's code or by Middy, as async_hooks sees
 * them (the way Jest's --detectOpenHandles does). Counting all of the
 * process's timers would also count Jest's own reporter and test timers,
 * which come and go on their own.
 */
const trackedTimers = new Map<{ _destroyed?: boolean; hasRef?: () => boolean }, string>()
createHook({
  init(_id, type, _trigger, resource) {
    if (type !== 'Timeout') return
    const frames = (new Error().stack ?? '').split('\n')
    // The frame that called setTimeout: ours (src or test) or Middy's, not Jest's.
    const caller = frames[frames.findIndex((frame) => frame.includes('(node:timers:')) + 1] ?? ''
    if (/\/packages\/|@middy/.test(caller)) trackedTimers.set(resource as { _destroyed?: boolean }, frames.join('\n'))
  },
}).enable()

/**
 * Creation stacks of the tracked timers still pending (neither fired nor
 * cleared) that hold the process open, leaving out those in `except`, and a
 * line per watch still on the watchdog's shared timer. (`_destroyed` is
 * Node's own flag for a timer that fired or was cleared; it flips
 * synchronously, unlike async_hooks' `destroy`.) The shared timer itself
 * stays set between invocations, unref'd: it holds nothing open and finds
 * nothing due when it fires, which is what "nothing left armed" means, and
 * what Jest's --detectOpenHandles checks too.
 */
export function pendingTimers(except: ReadonlySet<object> = new Set()): string[] {
  const pending: string[] = []
  for (const [timer, stack] of trackedTimers) {
    if (timer._destroyed) trackedTimers.delete(timer)
    else if (!except.has(timer) && timer.hasRef?.() !== false) pending.push(stack)
  }
  const { pending: watches } = watchTimerState()
  if (watches > 0) pending.push(`${watches} watch(es) still pending on the watchdog's shared timer`)
  return pending
}

/** The tracked timers pending right now, to leave out of a later {@link pendingTimers}. */
export function timerSnapshot(): Set<object> {
  pendingTimers()
  return new Set(trackedTimers.keys())
}

/** A POST of the HTTP API v2 shape. */
export function httpEvent(headers: Record<string, string> = {}) {
  return buildHttpEvent('http-api-v2', { method: 'POST', path: '/work', body: { n: 1 }, headers })
}

type Middleware = Parameters<ReturnType<typeof middy>['use']>[0]

/** `app` behind the watchdog (first), the given middlewares, and the error handler (last), as users compose it. */
export function watched(
  app: (event: never, context: never, options: { signal: AbortSignal }) => unknown,
  options: TimeoutWatchdogOptions,
  ...middlewares: Middleware[]
) {
  let handler = middy(app as never, { executionMode: executionModeTimeoutWatchdog }).use(timeoutWatchdog(options))
  for (const middleware of middlewares) handler = handler.use(middleware)
  return handler.use(httpErrorHandler({ logger: false }))
}

/** Calls a handler and measures how long the answer took. */
export async function timed(
  handler: (event: never, context: never) => Promise<unknown>,
  event: unknown,
  context: unknown,
): Promise<{ response: HttpResponse; ms: number }> {
  const started = performance.now()
  const response = (await handler(event as never, context as never)) as HttpResponse
  return { response, ms: performance.now() - started }
}
