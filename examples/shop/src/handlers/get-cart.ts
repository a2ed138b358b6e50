import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { cartItems } from '../cart.js'
import { logger, sessions } from '../config.js'
import { json, jsonErrorBodies, logServerError } from '../http.js'

/**
 * `GET /cart`: `{ "items": [{ "sku", "qty" }…] }`. One `GetItem`; no write
 * unless the sliding-expiry touch is due. A visitor without a session gets an
 * empty cart and no cookie: an empty new session is never saved.
 */
async function getCart(_event: unknown, context: { session: Session }) {
  return json(200, { items: cartItems(context.session) })
}

export const handler = middy(getCart, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
