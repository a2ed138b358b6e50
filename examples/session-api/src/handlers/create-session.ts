import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { logger, sessions } from 'example-shop/config'
import { clientError, json, jsonErrorBodies, logServerError } from 'example-shop/http'
import { answerSessionId } from '../session-id.js'

const USER_ID = /^[A-Za-z0-9._@-]{1,64}$/

/**
 * `POST /create-session {"userId"}`: a new session for the user, 200
 * `{"sessionId"}` and the same value in the `sid` cookie. The caller's
 * previous session, if any, is retired in the same write. `sessionId` is
 * filled in by `answerSessionId()` once the saver has set the cookie.
 */
async function createSession(event: { body: unknown }, context: { session: Session }) {
  const { userId } = (event.body ?? {}) as { userId?: unknown }
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    return clientError(400, 'userId must be 1 to 64 letters, digits or . _ @ -')
  }
  const { session } = context
  session.destroy() // nothing of the previous session carries over…
  session.regenerate() // …and it gets a fresh id
  session.userId = userId
  return json(200, {})
}

export const handler = middy(createSession, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpJsonBodyParser())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(answerSessionId()) // before the saver: its `after` runs once the cookie is set
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
