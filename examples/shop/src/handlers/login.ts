import type { HttpEvent, Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { logger, sessions } from '../config.js'
import { clientError, json, jsonErrorBodies, logServerError } from '../http.js'

/** What a user id may look like: the demo has no passwords, so keep ids plain. */
const USER_ID = /^[A-Za-z0-9._@-]{1,64}$/

/**
 * `POST /login {"userId"}`: signs the visitor in. A new session id at every
 * privilege change (`regenerate()`) defeats session fixation; a cart filled
 * before signing in comes along, another user's session does not.
 */
async function login(event: HttpEvent & { body: unknown }, context: { session: Session }) {
  const { userId } = (event.body ?? {}) as { userId?: unknown }
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    return clientError(400, 'userId must be 1 to 64 letters, digits or . _ @ -')
  }
  const { session } = context
  if (session.userId !== undefined && session.userId !== userId) session.destroy() // someone else's: start empty
  session.regenerate()
  session.userId = userId
  return json(200, { userId })
}

export const handler = middy(login, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpJsonBodyParser())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
