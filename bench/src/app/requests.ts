import type { HttpEvent, HttpResponse } from '@lambda-session/core'
import { buildHttpEvent, createLambdaContext, type LambdaContext } from '@lambda-session/testing'
import type { Invoke } from './chains.ts'

/** What a benchmark request carries. */
export interface RequestSpec {
  method: 'GET' | 'POST'
  path: string
  /** `name=value` pairs, e.g. the `sid=…` a sign-in returned. */
  cookies?: string[]
  headers?: Record<string, string>
  body?: unknown
}

/**
 * Builds the HTTP API v2 event once from the real AWS capture and returns a
 * maker of fresh copies. A fresh top-level object per invocation matters:
 * cookie parsing is memoized per event object, so reusing one event would
 * measure a cache hit instead of the work a real request costs. The copy is
 * shallow because nothing below the top level is written by the chain.
 */
export function eventMaker(spec: RequestSpec): () => HttpEvent {
  const template = buildHttpEvent<HttpEvent & { headers: Record<string, string> }>('http-api-v2', {
    method: spec.method,
    path: spec.path,
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.cookies ? { cookies: spec.cookies } : {}),
    ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
  })
  return () => ({
    ...template,
    headers: { ...template.headers },
    ...(template.cookies ? { cookies: [...template.cookies] } : {}),
  })
}

/** A new Lambda context per invocation, as Lambda gives one; 30 s so no lock or watchdog ever fires. */
export function lambdaContext(): LambdaContext {
  return createLambdaContext({ timeoutMs: 30_000, functionName: 'shop' })
}

/** The benchmarks measure the intended path only: any other answer stops the run. */
export function expectStatus(response: HttpResponse, statusCode: number, what: string): HttpResponse {
  if (response?.statusCode !== statusCode) {
    throw new Error(
      `${what}: expected ${statusCode}, got ${response?.statusCode} ${String(response?.body).slice(0, 200)}`,
    )
  }
  return response
}

/** Signs in through the handler and returns the `sid=…` pair to send back. */
export async function signIn(invoke: Invoke, userId: string, cart: unknown[]): Promise<string> {
  const response = expectStatus(
    await invoke(eventMaker({ method: 'POST', path: '/login', body: { userId, cart } })(), lambdaContext()),
    200,
    'sign-in',
  )
  const cookie = response.cookies?.[0]?.split(';')[0]
  if (!cookie?.startsWith('sid=')) throw new Error('sign-in: no session cookie in the response')
  return cookie
}

/** A cart of `count` small items: what a session typically holds. */
export function cartOf(count: number): { sku: string; qty: number }[] {
  return Array.from({ length: count }, (_, index) => ({ sku: `SKU-${String(index).padStart(6, '0')}`, qty: 1 }))
}

/** `list[index]`, for per-worker lists that always have an entry per worker. */
export function nth<T>(list: readonly T[], index: number): T {
  if (index < 0 || index >= list.length) throw new RangeError(`no entry ${index} among ${list.length}`)
  return list[index] as T
}
