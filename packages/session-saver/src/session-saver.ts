import {
  appendSetCookies,
  deferSessionWrite,
  hasInvocationTimedOut,
  isSession,
  onInvocationTimeout,
  resolveSessionOptions,
  type SessionOptions,
  type SessionRequest,
} from '@lambda-session/core'
import { expiredSessionCookie } from './session-cookie.js'
import { writeSealedSession } from './write-sealed-session.js'
import { commitSessionWrite, planSessionWrite } from './write-session.js'

const name = 'session-saver'
const pkg = `@lambda-session/${name}`

/**
 * Middy middleware (`after`): writes back what the handler changed in
 * `context.session` (one store write at most, only the changed keys, none
 * when nothing changed), then sets, refreshes or expires the session cookie
 * in the place the event's shape needs it.
 *
 * When the handler throws, nothing is written: the request's session changes
 * are discarded like a rolled-back transaction. The same goes for a request
 * `timeout-watchdog` answered with a 503: its late `after` writes nothing.
 * Pass the same options object as to `sessionLoader`, and `.use()` it after
 * the loader. When `idempotency-guard` holds a lock for the request (the
 * guard `.use()`d before the saver), the write is handed to the guard, which
 * commits it together with the stored response.
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

  // timeout-watchdog: on timeout the policy is "discard" (the client gets a
  // 503, so its changes must not land); the hook only reports it, the check
  // in `after` enforces it. A no-op without a watchdog in the chain.
  const sessionSaverMiddlewareBefore = (request: SessionRequest): void => {
    const { context } = request
    onInvocationTimeout(context, pkg, function sessionSaverTimeoutHook() {
      const session = context.session
      if (isSession(session) && session.isChanged) {
        options.logger.info('invocation timed out: session changes discarded', {
          package: pkg,
          event: 'session-discarded',
        })
      }
    })
  }

  const sessionSaverMiddlewareAfter = async (request: SessionRequest): Promise<void> => {
    // timeout-watchdog: the client already got the watchdog's 503. Checked on
    // the context, so even a frozen process thawed by a later invocation
    // can't write; nothing is awaited between here and the store call.
    if (hasInvocationTimedOut(request.context)) return
    const session = request.context.session
    if (!isSession(session)) {
      options.logger.warn('no context.session: is sessionLoader used before sessionSaver?', {
        package: pkg,
        event: 'session-missing',
      })
      return
    }
    // A sealed store (`@lambda-session/cookie-store`): the session goes into the cookie, not to a database.
    if (options.sealer) {
      const setCookies = writeSealedSession(session, options, options.sealer)
      if (setCookies.length > 0) request.response = appendSetCookies(request.event, request.response, setCookies)
      return
    }
    const plan = planSessionWrite(session, options)
    let setCookies = plan.setCookies
    const { write } = plan
    if (write) {
      const commitAlone = async () => {
        await commitSessionWrite(write, options)
      }
      // idempotency-guard holds a lock for this request: it commits the write
      // together with the stored response, so the two land or fail as one.
      if (!deferSessionWrite(request.context, { sessions: options.store, write, commitAlone })) {
        const outcome = await commitSessionWrite(write, options)
        if (outcome === 'gone') setCookies = [expiredSessionCookie(options)]
      }
    }
    if (setCookies.length > 0) request.response = appendSetCookies(request.event, request.response, setCookies)
  }

  return { before: sessionSaverMiddlewareBefore, after: sessionSaverMiddlewareAfter }
}
