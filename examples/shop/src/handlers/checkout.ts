import { randomUUID } from 'node:crypto'
import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { CART_KEY, cartItems, ORDERS_KEY, type Order } from '../cart.js'
import { idempotencyStore, logger, sessions } from '../config.js'
import { clientError, json, jsonErrorBodies, logServerError } from '../http.js'

/**
 * `POST /checkout` with an `Idempotency-Key` header: places the order and
 * empties the cart, once per key. A retry with the same key (a timeout, a
 * double click, a flaky network) gets the same `{ orderId, items }` back
 * with `Idempotent-Replayed: true`, never a second order.
 *
 * Order of the chain: the loader first (no session: 401, and the key is
 * scoped by the session), then the guard, then the saver, whose `after` runs
 * before the guard's, so the session write is done before the response is
 * stored.
 */
async function checkout(_event: unknown, context: { session: Session }) {
  const { session } = context
  const items = cartItems(session)
  if (items.length === 0) return clientError(422, 'The cart is empty.')
  const order: Order = { orderId: randomUUID(), items, placedAt: Date.now() }
  // A versioned delete: an addition racing this checkout makes the save fail
  // with a 409 (the key is released, the client retries), so nothing added
  // after the cart was read is silently dropped.
  session.delete(CART_KEY)
  session.append(ORDERS_KEY, order)
  return json(200, order)
}

export const handler = middy(checkout, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain; on timeout the guard releases the key, a 503 goes out
  .use(jsonErrorBodies())
  .use(httpCookieParser())
  .use(sessionLoader({ ...sessions, required: true }))
  .use(idempotencyGuard({ store: idempotencyStore, required: true, logger }))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
