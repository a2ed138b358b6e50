import { CookieSessionStore } from '@lambda-session/cookie-store'
import type { HttpResponse, Session, SessionOptions } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { buildHttpEvent, createLambdaContext, type EventShapeName } from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { parseSetCookie } from 'cookie'

/** Two secrets of the length the key ring demands. */
export const SECRET = 'cookie-store-test-secret-0123456789abcdef'
export const OTHER_SECRET = 'cookie-store-other-secret-0123456789abcde'

/** Session options on a fresh `CookieSessionStore`, as a user writes them. */
export function cookieSessions(extra: Partial<SessionOptions> = {}): SessionOptions {
  return { store: new CookieSessionStore(), secrets: [SECRET], ...extra }
}

/** What a test handler does with the session; its result is the JSON body. */
export type SessionAction = (session: Session) => unknown

/** The middlewares around a handler that runs `action`, composed as the README shows. */
export function sessionHandler(options: SessionOptions, action: SessionAction) {
  return middy(async (_event: unknown, context: { session: Session }) => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify((await action(context.session)) ?? null),
  }))
    .use(httpCookieParser())
    .use(sessionLoader(options))
    .use(sessionSaver(options))
    .use(httpErrorHandler({ logger: false }))
}

/** Every `Set-Cookie` line of a response, wherever its shape puts them. */
export function setCookiesOf(response: HttpResponse): string[] {
  const found: string[] = [...(response.cookies ?? [])]
  for (const [name, values] of Object.entries(response.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === 'set-cookie') found.push(...values.map(String))
  }
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (name.toLowerCase() === 'set-cookie') found.push(String(value))
  }
  return found
}

/** The session cookie a response sets (value '' when expired), parsed, or `undefined`. */
export function sessionCookieOf(response: HttpResponse, cookieName = 'sid') {
  const raw = setCookiesOf(response).find((line) => line.startsWith(`${cookieName}=`))
  return raw === undefined ? undefined : { raw, ...parseSetCookie(raw) }
}

/** Sends one request with `cookies` through `options`' middlewares around `action`. */
export async function invoke(
  options: SessionOptions,
  action: SessionAction,
  { shape = 'http-api-v2', cookies = {} }: { shape?: EventShapeName; cookies?: Record<string, string> | string[] } = {},
): Promise<HttpResponse> {
  const event = buildHttpEvent(shape, { method: 'POST', path: '/test', cookies })
  return (await sessionHandler(options, action)(event as never, createLambdaContext() as never)) as HttpResponse
}

/** The response's JSON body. */
export const bodyOf = (response: HttpResponse): unknown => JSON.parse(response.body ?? 'null')

/** `{ sid: value }` from the cookie a response set, ready to send back. */
export function sidFrom(response: HttpResponse): Record<string, string> {
  const cookie = sessionCookieOf(response)
  if (!cookie?.value) throw new Error(`response set no session cookie: ${JSON.stringify(response)}`)
  return { sid: cookie.value }
}

/** What the handlers of many tests answer: what the session holds. */
export const whoami: SessionAction = (session) => ({
  isNew: session.isNew,
  data: session.toJSON(),
  userId: session.userId ?? null,
})
