import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { orders } from '../cart.js'
import { logger, sessions } from '../config.js'
import { json, jsonErrorBodies, logServerError } from '../http.js'

/** `GET /orders`: `{ "orders": [{ "orderId", "items", "placedAt" }…] }`, the orders placed in this session. */
async function listOrders(_event: unknown, context: { session: Session }) {
  return json(200, { orders: orders(context.session) })
}

export const handler = middy(listOrders, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
