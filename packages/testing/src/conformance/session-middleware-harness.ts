import type { HttpResponse, Session, SessionOptions } from '@lambda-session/core'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import middy from '@middy/core'
import { parseSetCookie } from 'cookie'
import type { EventShapeName } from '../event-fixtures.js'
import { buildHttpEvent } from '../http-event-builder.js'
import { createLambdaContext } from '../lambda-context.js'

/**
 * A browser's cookie jar, as far as sessions need one: it keeps what
 * `Set-Cookie` says and drops a cookie that is expired.
 */
export class CookieJar {
  readonly #values = new Map<string, string>()

  /** Takes in a response's `Set-Cookie` lines. */
  receive(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const cookie = parseSetCookie(line)
      const expired =
        (cookie.maxAge !== undefined && cookie.maxAge <= 0) ||
        (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now())
      if (expired) this.#values.delete(cookie.name)
      else this.#values.set(cookie.name, cookie.value ?? '')
    }
  }

  /** The cookie's value, or `undefined`. */
  value(name: string): string | undefined {
    return this.#values.get(name)
  }

  /** Replaces a cookie's value, as an attacker or a stale tab would. */
  put(name: string, value: string): this {
    this.#values.set(name, value)
    return this
  }

  /** The `name=value` pairs the browser sends. */
  pairs(): string[] {
    return [...this.#values].map(([name, value]) => `${name}=${value}`)
  }

  /** A copy: the same cookies kept somewhere else (another tab, a thief). */
  copy(): CookieJar {
    const copy = new CookieJar()
    for (const [name, value] of this.#values) copy.put(name, value)
    return copy
  }
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

/** What one request came to: the handler's JSON result and the cookies set, or the error the chain threw. */
export interface Exchange {
  body?: unknown
  setCookies: string[]
  error?: unknown
}

/** What a request's handler does with the session; its result is the response body. */
export type SessionAction = (session: Session) => unknown

/**
 * Sends one request through `sessionLoader` and `sessionSaver` (nothing
 * else: errors come back as thrown, not as responses) with the jar's
 * cookies, and lets the jar take in the response's cookies.
 */
export async function exchange(
  options: SessionOptions,
  jar: CookieJar,
  action: SessionAction,
  shape: EventShapeName = 'http-api-v2',
): Promise<Exchange> {
  const handler = middy(async (_event: unknown, context: { session: Session }) => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify((await action(context.session)) ?? null),
  }))
    .use(sessionLoader(options))
    .use(sessionSaver(options))
  const event = buildHttpEvent(shape, { method: 'POST', path: '/conformance', cookies: jar.pairs() })
  let response: HttpResponse
  try {
    response = (await handler(event as never, createLambdaContext() as never)) as HttpResponse
  } catch (error) {
    return { error, setCookies: [] }
  }
  const setCookies = setCookiesOf(response)
  jar.receive(setCookies)
  return { body: JSON.parse(response.body ?? 'null'), setCookies }
}

/** A promise and the function that resolves it, to hold a request at a chosen point. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}
