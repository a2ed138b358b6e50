import type { HttpEvent, HttpResponse } from '@lambda-session/core'
import { type BuildHttpEventOptions, buildHttpEvent, createLambdaContext } from '@lambda-session/testing'

/** How one invocation ended, as a client would see it. */
export interface Invocation {
  /** The status, or `hung` when it did not answer within the hard cap. */
  outcome: number | 'hung' | 'threw'
  ms: number
  response?: HttpResponse
  retryAfter?: string
  error?: unknown
}

/** A handler as Middy builds it: `(event, context) => Promise<response>`. */
export type LambdaHandler = (event: never, context: never) => Promise<unknown>

/** Options of {@link invoke}. */
export interface InvokeOptions {
  /** The function timeout the Lambda context reports. @default 3000 */
  functionTimeoutMs?: number
  /** Give up waiting after this (counted as `hung`). @default 30000 */
  hardCapMs?: number
}

function header(response: HttpResponse | undefined, name: string): string | undefined {
  const headers = response?.headers ?? {}
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : String(headers[key])
}

/**
 * Invokes a handler with a fresh Lambda context and times it. Never throws:
 * a rejection is the outcome `threw` (Lambda would report an error, the
 * client a 502), a handler that outlives `hardCapMs` is `hung`.
 */
export async function invoke(
  handler: LambdaHandler,
  event: HttpEvent,
  options: InvokeOptions = {},
): Promise<Invocation> {
  const context = createLambdaContext({ timeoutMs: options.functionTimeoutMs ?? 3000 })
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const cap = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), options.hardCapMs ?? 30_000)
  })
  try {
    const result = await Promise.race([handler(event as never, context as never), cap])
    const ms = performance.now() - started
    if (result === 'hung') return { outcome: 'hung', ms }
    const response = result as HttpResponse
    return { outcome: response.statusCode, ms, response, retryAfter: header(response, 'retry-after') }
  } catch (error) {
    return { outcome: 'threw', ms: performance.now() - started, error }
  } finally {
    clearTimeout(timer)
  }
}

/** A v2 (HTTP API) request event carrying `sid` when given. */
export function request(
  method: string,
  path: string,
  { sid, body, idempotencyKey }: { sid?: string; body?: unknown; idempotencyKey?: string } = {},
): HttpEvent {
  const options: BuildHttpEventOptions = { method, path }
  if (sid) options.cookies = [`sid=${sid}`]
  if (body !== undefined) options.body = body as BuildHttpEventOptions['body']
  if (idempotencyKey) options.headers = { 'Idempotency-Key': idempotencyKey }
  return buildHttpEvent('http-api-v2', options)
}

/** The signed `sid` value a response sets, if any. */
export function sidFrom(response: HttpResponse | undefined): string | undefined {
  for (const cookie of response?.cookies ?? []) {
    const match = /^sid=([^;]*)/.exec(cookie)
    if (match) return match[1] === '' ? undefined : decodeURIComponent(match[1] as string)
  }
  return undefined
}
