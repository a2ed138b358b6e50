import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { logger, sessions, sessionsRevocable } from '../config.js'
import { json, jsonErrorBodies, logServerError } from '../http.js'

/**
 * `POST /logout`: ends the session and expires the cookie. `revoked` says
 * whether the old cookie is now worthless everywhere: with a server-side
 * store (DynamoDB, Redis) the session is deleted, so every copy of the
 * cookie is; with sealed cookies nothing on a server can end it, so a copy
 * kept elsewhere opens the session until its idle timeout, and the answer
 * says so rather than promise what didn't happen.
 */
async function logout(_event: unknown, context: { session: Session }) {
  const { session } = context
  const hadSession = !session.isNew
  session.destroy()
  return json(200, { loggedOut: hadSession, revoked: hadSession && sessionsRevocable })
}

export const handler = middy(logout, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
