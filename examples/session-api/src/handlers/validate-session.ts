import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { logger, sessions } from 'example-shop/config'
import { json, jsonErrorBodies, logServerError } from 'example-shop/http'
import { sessionIdFromBody } from '../session-id.js'

/**
 * `POST /validate-session {"sessionId"}` (or just the `sid` cookie): 200
 * `{"valid": true, "userId"}`, or 401 `{"valid": false}` for a session that
 * is unknown, forged, expired or deactivated. One `GetItem`; a valid
 * session's idle timer is refreshed (at most one write per touch interval).
 */
async function validateSession(_event: unknown, context: { session: Session }) {
  const { session } = context
  if (session.isNew) return json(401, { valid: false })
  return json(200, { valid: true, userId: session.userId ?? null })
}

export const handler = middy(validateSession, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpJsonBodyParser({ disableContentTypeError: true })) // the cookie alone needs no body
  .use(sessionIdFromBody())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
