import { type HttpEvent, type HttpResponse, sessionDefaults } from '@lambda-session/core'
import type middy from '@middy/core'
import { sessions } from 'example-shop/config'

/**
 * How this API's `sessionId` maps to the cookie: it *is* the `sid` cookie's
 * value, not the bare id. With a server-side store (DynamoDB, Redis) that is
 * the signed id `<id>.<HMAC>`; with sealed cookies (`SESSION_STORE=cookie`)
 * the sealed session itself. So a `sessionId` sent in a body goes through
 * exactly the checks a cookie does (signature or seal first, a forged one
 * costs no store read), and a client may use the body and the cookie
 * interchangeably, whichever store the API runs on.
 */
const cookieName = sessions.cookieName ?? sessionDefaults.cookieName

/**
 * The form of a session cookie value: a signed id, or a sealed session
 * (base64url, at most the 4096 characters a browser keeps). The loader
 * verifies it; anything else never reaches the cookie parser.
 */
const SESSION_COOKIE_VALUE = /^(?:[A-Za-z0-9_-]{1,200}\.[A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{32,4096})$/

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
    const valid = typeof sessionId === 'string' && SESSION_COOKIE_VALUE.test(sessionId)
    replaceCookies(request.event, valid ? [`${cookieName}=${sessionId}`] : [])
  },
})

/** Every `Set-Cookie` of a response, wherever its event shape put them. */
function setCookiesOf(response: HttpResponse): string[] {
  const found = [...(response.cookies ?? [])]
  for (const map of [response.headers, response.multiValueHeaders]) {
    for (const [key, value] of Object.entries(map ?? {})) {
      if (key.toLowerCase() === 'set-cookie') found.push(...(Array.isArray(value) ? value : [value]).map(String))
    }
  }
  return found
}

/**
 * Middleware: answers `{"sessionId"}` with the value of the `sid` cookie the
 * response sets, so the body and the cookie carry the same thing on every
 * store (a sealed cookie only exists once `sessionSaver` has sealed the
 * session). `.use()` it before `sessionSaver`: `after` hooks run in
 * reverse, so the saver has set the cookie when this runs. A response that
 * sets no session cookie (an error) is left as it is.
 */
export const answerSessionId = (): middy.MiddlewareObj<HttpEvent, HttpResponse> => ({
  after: function answerSessionIdAfter(request) {
    const response = request.response
    if (response?.statusCode !== 200 || typeof response.body !== 'string') return
    const prefix = `${cookieName}=`
    // The last non-empty one: an expiring `sid=` for a retired session may come first.
    const sessionId = setCookiesOf(response)
      .filter((line) => line.startsWith(prefix))
      .map((line) => line.slice(prefix.length).split(';')[0])
      .filter(Boolean)
      .at(-1)
    if (!sessionId) return
    response.body = JSON.stringify({ ...(JSON.parse(response.body) as object), sessionId })
  },
})
