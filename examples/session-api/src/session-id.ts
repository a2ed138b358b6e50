import { type HttpEvent, type Session, SignedCookieCodec, sessionDefaults } from '@lambda-session/core'
import type middy from '@middy/core'
import { sessions } from 'example-shop/config'

/**
 * How this API's `sessionId` maps to the cookie: it *is* the signed `sid`
 * cookie value (`<id>.<HMAC>`), not the bare id. So a `sessionId` sent in a
 * body goes through exactly the checks a cookie does (signature first, then
 * one read), a forged one costs no DynamoDB read, and a client may use the
 * body and the cookie interchangeably.
 */
const cookieName = sessions.cookieName ?? sessionDefaults.cookieName
const codec = new SignedCookieCodec(sessions.secrets)

/** The `sessionId` of a session: the value its `sid` cookie carries. */
export function sessionIdOf(session: Session): string {
  return codec.sign(cookieName, session.id)
}

/** The form of a signed value (the loader verifies it); anything else never reaches the cookie parser. */
const SIGNED_VALUE = /^[A-Za-z0-9_-]{1,200}\.[A-Za-z0-9_-]{43}$/

/** Replaces the request's cookies with `pairs`, where the event's shape carries them. */
function replaceCookies(event: HttpEvent, pairs: string[]): void {
  if (event.version === '2.0') {
    event.cookies = pairs
    return
  }
  for (const map of [event.headers, event.multiValueHeaders]) {
    for (const key of Object.keys(map ?? {})) if (key.toLowerCase() === 'cookie') delete map?.[key]
  }
  if (pairs.length === 0) return
  event.headers = { ...event.headers, Cookie: pairs.join('; ') }
  if (event.multiValueHeaders) event.multiValueHeaders.Cookie = [pairs.join('; ')]
}

/**
 * Middleware: a `sessionId` in the JSON body stands for the session cookie,
 * replacing whatever cookies came with the request (the body is the more
 * explicit of the two). Use it after the body parser and before
 * `httpCookieParser`, which reads the cookies once per event.
 */
export const sessionIdFromBody = (): middy.MiddlewareObj<HttpEvent> => ({
  before: function sessionIdFromBodyBefore(request) {
    const body = request.event.body as unknown
    if (typeof body !== 'object' || body === null || !('sessionId' in body)) return
    const { sessionId } = body as { sessionId: unknown }
    const valid = typeof sessionId === 'string' && SIGNED_VALUE.test(sessionId)
    replaceCookies(request.event, valid ? [`${cookieName}=${sessionId}`] : [])
  },
})
