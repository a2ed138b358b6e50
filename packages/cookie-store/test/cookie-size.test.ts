import { describe, expect, test } from '@jest/globals'
import { CookieSealer, CookieSessionStore, SessionCookieTooLargeError } from '@lambda-session/cookie-store'
import { ConfigurationError, type SealedSession, type Session, SessionTooLargeError } from '@lambda-session/core'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { buildHttpEvent, createLambdaContext } from '@lambda-session/testing'
import middy from '@middy/core'
import { bodyOf, cookieSessions, invoke, SECRET, sessionCookieOf, setCookiesOf, sidFrom, whoami } from './harness.js'

const DEFAULT_ATTRIBUTES = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const
const sealer = new CookieSealer([SECRET])

/** A session whose data is one string of `length` characters; everything else fixed, so sizes are exact. */
function sessionOfSize(length: number): SealedSession {
  const now = 1_700_000_000_000
  return {
    id: 'A'.repeat(43),
    record: {
      idHash: '',
      data: { blob: 'z'.repeat(length) },
      versions: {},
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now,
    },
  }
}

/** The longest blob whose cookie still fits, found by bisection (cookie size grows with the blob). */
function longestFittingBlob(attributes: object = DEFAULT_ATTRIBUTES): number {
  let fits = 0
  let fails = 4096
  while (fails - fits > 1) {
    const middle = Math.floor((fits + fails) / 2)
    try {
      sealer.sealCookie('sid', sessionOfSize(middle), attributes)
      fits = middle
    } catch {
      fails = middle
    }
  }
  return fits
}

describe('the 4 KB limit of a cookie', () => {
  test('holds for the whole Set-Cookie line: the largest session that fits is at most 4096 bytes, one byte more is a 413', () => {
    const longest = longestFittingBlob()
    const line = sealer.sealCookie('sid', sessionOfSize(longest), DEFAULT_ATTRIBUTES)
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(4096)
    expect(Buffer.byteLength(line)).toBeGreaterThan(4090)
    let error: unknown
    try {
      sealer.sealCookie('sid', sessionOfSize(longest + 1), DEFAULT_ATTRIBUTES)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(SessionCookieTooLargeError)
    expect(error).toBeInstanceOf(SessionTooLargeError)
    expect(error).toMatchObject({ statusCode: 413, expose: true, limitBytes: 4096 })
    expect((error as SessionCookieTooLargeError).sizeBytes).toBeGreaterThan(4096)
  })

  test('counts the attributes: a session that fits with the defaults fails with a long Domain', () => {
    const longest = longestFittingBlob()
    const withDomain = { ...DEFAULT_ATTRIBUTES, domain: `${'sub.'.repeat(10)}example.com` }
    expect(() => sealer.sealCookie('sid', sessionOfSize(longest), withDomain)).toThrow(SessionCookieTooLargeError)
    expect(longestFittingBlob(withDomain)).toBeLessThan(longest)
  })

  test('through the middlewares: a 413 response with no session cookie, and the browser keeps its previous one', async () => {
    const options = cookieSessions()
    const sid = sidFrom(await invoke(options, (session) => session.set('small', 1)))
    const tooBig = await invoke(options, (session) => session.set('blob', 'z'.repeat(4000)), { cookies: sid })
    expect(tooBig.statusCode).toBe(413)
    expect(tooBig.body).toMatch(/over the 4096-byte limit; nothing was sent/)
    expect(sessionCookieOf(tooBig)).toBeUndefined()
    expect(bodyOf(await invoke(options, whoami, { cookies: sid }))).toMatchObject({ isNew: false, data: { small: 1 } })

    const newSession = await invoke(options, (session) => session.set('blob', 'z'.repeat(4000)))
    expect(newSession.statusCode).toBe(413)
    expect(setCookiesOf(newSession)).toEqual([])
  })

  test('the error reaches onError typed, before any response is built', async () => {
    const options = cookieSessions()
    const handler = middy(async (_event: unknown, context: { session: Session }) => {
      context.session.set('blob', 'z'.repeat(5000))
      return { statusCode: 200, body: 'the handler ran' }
    })
      .use(sessionLoader(options))
      .use(sessionSaver(options))
    const event = buildHttpEvent('http-api-v2', { method: 'POST', path: '/' })
    await expect(handler(event as never, createLambdaContext() as never)).rejects.toBeInstanceOf(
      SessionCookieTooLargeError,
    )
  })

  test('maxCookieBytes lowers the limit, e.g. to leave room for other cookies', async () => {
    const options = cookieSessions({ store: new CookieSessionStore({ maxCookieBytes: 1024 }) })
    expect((await invoke(options, (session) => session.set('blob', 'z'.repeat(500)))).statusCode).toBe(200)
    const response = await invoke(options, (session) => session.set('blob', 'z'.repeat(800)))
    expect(response.statusCode).toBe(413)
    expect(response.body).toMatch(/over the 1024-byte limit/)
  })

  test.each([4097, 0, -1, 1.5, Number.NaN])('maxCookieBytes %p is refused when the store is made', (maxCookieBytes) => {
    expect(() => new CookieSessionStore({ maxCookieBytes })).toThrow(ConfigurationError)
  })
})
