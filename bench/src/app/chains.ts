import type { HttpEvent, HttpResponse, IdempotencyStore, SessionOptions, SessionStore } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import type { LambdaContext } from '@lambda-session/testing'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import { shopApp } from './shop-app.ts'

/** Any of the handlers under test, called the way Lambda calls them. */
export type Invoke = (event: HttpEvent, context: LambdaContext) => Promise<HttpResponse>

/** A fixed secret: the benchmarks sign and verify real cookies, but nothing here is secret. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789'

export function sessionOptionsFor(store: SessionStore): SessionOptions {
  return { store, secrets: [BENCH_SECRET] }
}

/** The middlewares a chain adds on top of bare Middy; each step of the cost breakdown turns one more on. */
export interface ChainLayers {
  cookies: boolean
  sessions: boolean
  idempotency: boolean
  watchdog: boolean
}

export const FULL_CHAIN: ChainLayers = { cookies: true, sessions: true, idempotency: true, watchdog: true }

export interface ChainStores {
  sessionStore: SessionStore
  idempotencyStore: IdempotencyStore
}

export const plainFunction: Invoke = (event, context) => shopApp(event, context as never)

export function bareMiddy(): Invoke {
  return middy(shopApp) as unknown as Invoke
}

/**
 * The composition DESIGN.md and the READMEs recommend, in that order:
 * watchdog first (it must cover everything after it), cookies, loader,
 * guard (scoped by the loaded session), saver (its `after` runs before the
 * guard's, so a stored response carries the `Set-Cookie`). Layers switched
 * off are simply left out, which is what the cost breakdown measures.
 */
export function buildChain(stores: ChainStores, layers: ChainLayers = FULL_CHAIN): Invoke {
  const sessions = sessionOptionsFor(stores.sessionStore)
  // The watchdog needs its execution mode, which also turns off core's own early-timeout timer.
  const handler = layers.watchdog ? middy(shopApp, { executionMode: executionModeTimeoutWatchdog }) : middy(shopApp)
  if (layers.watchdog) handler.use(timeoutWatchdog({ marginMs: 500 }))
  if (layers.cookies) handler.use(httpCookieParser())
  if (layers.sessions) handler.use(sessionLoader(sessions))
  if (layers.idempotency) handler.use(idempotencyGuard({ store: stores.idempotencyStore }))
  if (layers.sessions) handler.use(sessionSaver(sessions))
  return handler as unknown as Invoke
}

/** Only the guard, for the like-for-like comparison with Powertools' idempotency middleware. */
export function guardOnly(store: IdempotencyStore): Invoke {
  return middy(shopApp).use(idempotencyGuard({ store })) as unknown as Invoke
}
