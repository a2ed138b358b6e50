import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { CART_KEY, cartItems, MAX_CART_ADDITIONS, MAX_QTY, parseAddition } from '../cart.js'
import { logger, sessions } from '../config.js'
import { clientError, json, jsonErrorBodies, logServerError } from '../http.js'

/**
 * `POST /cart/items {"sku", "qty"}`: adds to the cart and answers with it.
 * Creates the session (and sets the cookie) on a visitor's first addition.
 * `append` is an atomic list append in DynamoDB: additions from two tabs at
 * the same moment both land, with no conflict to retry.
 */
async function addCartItem(event: { body: unknown }, context: { session: Session }) {
  const addition = parseAddition(event.body)
  if (typeof addition === 'string') return clientError(400, addition)
  const { session } = context
  const additions = session.get<unknown[]>(CART_KEY)?.length ?? 0
  if (additions >= MAX_CART_ADDITIONS) return clientError(422, 'The cart is full: check out first.')
  const current = cartItems(session).find((item) => item.sku === addition.sku)?.qty ?? 0
  if (current + addition.qty > MAX_QTY) return clientError(422, `At most ${MAX_QTY} of one item.`)
  session.append(CART_KEY, addition)
  return json(200, { items: cartItems(session) })
}

export const handler = middy(addCartItem, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpJsonBodyParser())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
