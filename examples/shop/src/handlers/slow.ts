import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { json, jsonErrorBodies, logServerError } from '../http.js'
import { logger } from '../logger.js'

/** Longest sleep accepted: well past the route's timeout, short enough not to tie up a server. */
const MAX_SLEEP_MS = 30_000

/** Sleeps `ms`, or less if `signal` aborts first; leaves no timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * `GET /slow?ms=N`: sleeps N ms. The function's timeout is 2 s (template.yaml),
 * so past about 1.5 s the timeout watchdog aborts the handler's signal and
 * answers 503 with `Retry-After`, before Lambda would kill the invocation
 * and API Gateway answer a bare 5xx.
 */
async function slow(
  event: { queryStringParameters?: Record<string, string | undefined> | null },
  _context: unknown,
  { signal }: { signal: AbortSignal },
) {
  const ms = Math.min(Math.max(Math.trunc(Number(event.queryStringParameters?.ms ?? 0)) || 0, 0), MAX_SLEEP_MS)
  await sleep(ms, signal)
  return json(200, { sleptMs: ms })
}

export const handler = middy(slow, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 500, logger })) // first: it covers the whole chain after it
  .use(jsonErrorBodies())
  .use(httpErrorHandler({ logger: logServerError }))
