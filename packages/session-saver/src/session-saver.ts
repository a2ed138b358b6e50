import {
  appendSetCookies,
  isSession,
  resolveSessionOptions,
  type SessionOptions,
  type SessionRequest,
} from '@lambda-session/core'
import { writeSession } from './write-session.js'

const name = 'session-saver'
const pkg = `@lambda-session/${name}`

/**
 * Middy middleware (`after`): writes back what the handler changed in
 * `context.session` (one store write at most, only the changed keys, none
 * when nothing changed), then sets, refreshes or expires the session cookie
 * in the place the event's shape needs it.
 *
 * When the handler throws, nothing is written: the request's session changes
 * are discarded like a rolled-back transaction. Pass the same options object
 * as to `sessionLoader`, and `.use()` it after the loader.
 *
 * @example
 * ```ts
 * export const handler = middy(app)
 *   .use(httpCookieParser())
 *   .use(sessionLoader(options))
 *   .use(sessionSaver(options))
 *   .use(httpErrorHandler())
 * ```
 */
export const sessionSaver = (opts: SessionOptions) => {
  const options = resolveSessionOptions(opts, pkg)

  const sessionSaverMiddlewareAfter = async (request: SessionRequest): Promise<void> => {
    const session = request.context.session
    if (!isSession(session)) {
      options.logger.warn('no context.session: is sessionLoader used before sessionSaver?', {
        package: pkg,
        event: 'session-missing',
      })
      return
    }
    const setCookies = await writeSession(session, options)
    if (setCookies.length > 0) request.response = appendSetCookies(request.event, request.response, setCookies)
  }

  return { after: sessionSaverMiddlewareAfter }
}
