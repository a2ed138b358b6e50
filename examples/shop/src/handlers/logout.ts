import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { logger, sessions } from '../config.js'
import { json, jsonErrorBodies, logServerError } from '../http.js'

/**
 * `POST /logout`: deletes the session item and expires the cookie. The old
 * cookie is worthless from here on, in this browser or anywhere it was copied.
 */
async function logout(_event: unknown, context: { session: Session }) {
  const { session } = context
  const hadSession = !session.isNew
  session.destroy()
  return json(200, { loggedOut: hadSession })
}

export const handler = middy(logout, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
