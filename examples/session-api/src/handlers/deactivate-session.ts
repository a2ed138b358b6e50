import type { Session } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { logger, sessions, sessionsRevocable } from 'example-shop/config'
import { json, jsonErrorBodies, logServerError } from 'example-shop/http'
import { sessionIdFromBody } from '../session-id.js'

/**
 * `POST /deactivate-session {"sessionId"}` (or just the `sid` cookie): 200
 * `{"deactivated": true, "revoked": true}` and the session is deleted, so
 * every later request with it is "no session", here, in the shop and at the
 * authorizer. Deactivating an unknown or already ended session is a 200 too
 * (`"deactivated": false`): either way it is gone. The response also expires
 * the caller's `sid` cookie.
 *
 * With sealed cookies (`SESSION_STORE=cookie`) there is nothing on a server
 * to delete: the caller's cookie is expired, but the `sessionId` itself
 * stays valid until its idle timeout, and `"revoked": false` says so.
 */
async function deactivateSession(_event: unknown, context: { session: Session }) {
  const { session } = context
  const existed = !session.isNew
  session.destroy()
  return json(200, { deactivated: existed, revoked: existed && sessionsRevocable })
}

export const handler = middy(deactivateSession, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 1000, logger })) // first: covers the whole chain, answers 503 before the 5 s timeout
  .use(jsonErrorBodies())
  .use(httpJsonBodyParser({ disableContentTypeError: true }))
  .use(sessionIdFromBody())
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler({ logger: logServerError }))
