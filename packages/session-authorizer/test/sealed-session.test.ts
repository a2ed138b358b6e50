import { describe, expect, test } from '@jest/globals'
import { CookieSessionStore } from '@lambda-session/cookie-store'
import { generateSessionId, hashSessionId, type SessionRecord, SignedCookieCodec } from '@lambda-session/core'
import {
  type IamPolicyResponse,
  type SessionAuthorizerEvent,
  type SessionAuthorizerOptions,
  type SimpleAuthorizerResponse,
  sessionAuthorizer,
} from '@lambda-session/session-authorizer'
import { ManualClock } from '@lambda-session/testing'

/**
 * The authorizer on sealed sessions (`CookieSessionStore`): the session is
 * opened from the cookie with the key ring, its expiry checked as the loader
 * checks it, and no store is ever read (the store's `load` throws, so a read
 * would fail these tests). The cookies are real seals made by the cookie store.
 */

const SECRET = 'sealed-authorizer-secret-0123456789abcdef'
const OLD_SECRET = 'sealed-authorizer-old-secret-0123456789ab'
const ROUTE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:lsw1ro4ipb/$default/GET/me'
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/GET/me'

const clock = new ManualClock(Date.UTC(2026, 0, 1))
const store = new CookieSessionStore()

/** An HTTP API payload 2.0 authorizer event: cookies in the `cookies` array. */
function httpEvent(cookies: string[]): SessionAuthorizerEvent {
  return { version: '2.0', type: 'REQUEST', routeArn: ROUTE_ARN, cookies, identitySource: [cookies.join('; ')] }
}

/** A REST REQUEST authorizer event: cookies in the `Cookie` header. */
function restEvent(cookieHeader: string): SessionAuthorizerEvent {
  return { type: 'REQUEST', methodArn: METHOD_ARN, headers: { Cookie: cookieHeader } }
}

/** A session sealed by the cookie store with `secrets`' first key, as the saver seals it: `sid=<seal>`. */
function sealedCookie(fields: Partial<SessionRecord> = {}, secrets = [SECRET], cookieName = 'sid'): string {
  const id = generateSessionId()
  const now = clock.now()
  const record: SessionRecord = {
    idHash: hashSessionId(id),
    data: { cart: [{ sku: 'mug', qty: 1 }], role: 'editor' },
    versions: {},
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 86_400_000,
    userId: 'user-42',
    ...fields,
  }
  const setCookie = store.createSealer(secrets, 'test').sealCookie(cookieName, { id, record }, { path: '/' })
  return setCookie.split(';')[0] as string
}

function authorizerWith(options: Partial<SessionAuthorizerOptions> = {}) {
  const denials: unknown[] = []
  const record = (_message: string, details?: Record<string, unknown>) => {
    if (details?.event === 'authorizer-denied') denials.push(details.reason)
  }
  const authorize = sessionAuthorizer({
    store,
    secrets: [SECRET, OLD_SECRET],
    clock: clock.now,
    idleTimeoutSeconds: 600,
    absoluteTimeoutSeconds: 3600,
    logger: { debug: record, info: record, warn: record, error: record },
    ...options,
  })
  return { authorize, denials }
}

describe('the session authorizer on sealed cookies', () => {
  test('a live sealed session of a signed-in user: allowed, user id in the context, on both APIs', async () => {
    const cookie = sealedCookie()
    const { authorize } = authorizerWith({ context: (session) => ({ role: String(session.data.role) }) })
    expect(await authorize(httpEvent([cookie]))).toEqual({
      isAuthorized: true,
      context: { role: 'editor', userId: 'user-42' },
    })
    const rest = (await authorize(restEvent(`theme=dark; ${cookie}`))) as IamPolicyResponse
    expect(rest.principalId).toBe('user-42')
    expect(rest.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*',
      },
    ])
  })

  test('expiry is checked as the loader checks it: idle timeout, then absolute lifetime', async () => {
    const { authorize, denials } = authorizerWith()
    const fresh = sealedCookie()
    clock.advance(599_000)
    expect(await authorize(httpEvent([fresh]))).toMatchObject({ isAuthorized: true })
    clock.advance(2000) // 601 s since last seen: past the 600 s idle timeout
    expect(await authorize(httpEvent([fresh]))).toEqual({ isAuthorized: false })
    // Seen a moment ago, but created more than the 3600 s lifetime ago.
    const old = sealedCookie({ createdAt: clock.now() - 3_601_000 })
    expect(await authorize(httpEvent([old]))).toEqual({ isAuthorized: false })
    expect(denials).toEqual(['session-expired', 'session-expired'])
  })

  test('a tampered, truncated or re-encoded seal is refused', async () => {
    const cookie = sealedCookie()
    const value = cookie.slice('sid='.length)
    const middle = Math.floor(value.length / 2)
    const flipped = `${value.slice(0, middle)}${value[middle] === 'A' ? 'B' : 'A'}${value.slice(middle + 1)}`
    const { authorize, denials } = authorizerWith()
    for (const forged of [flipped, value.slice(0, -4), value.slice(1), `${value}=`]) {
      expect(await authorize(httpEvent([`sid=${forged}`]))).toEqual({ isAuthorized: false })
    }
    expect(denials).toEqual(Array(4).fill('cookie-rejected'))
  })

  test('key rotation: a seal made with an older key opens while that key is in the ring, not after', async () => {
    const sealedWithOld = sealedCookie({}, [OLD_SECRET])
    expect(await authorizerWith().authorize(httpEvent([sealedWithOld]))).toMatchObject({ isAuthorized: true })
    const rotatedOut = authorizerWith({ secrets: [SECRET] })
    expect(await rotatedOut.authorize(httpEvent([sealedWithOld]))).toEqual({ isAuthorized: false })
    expect(rotatedOut.denials).toEqual(['cookie-rejected'])
  })

  test('a seal made for another cookie name, or a signed id of a server-side store, is refused', async () => {
    const { authorize, denials } = authorizerWith()
    const otherName = sealedCookie({}, [SECRET], 'admin_sid').replace(/^admin_sid=/, 'sid=')
    const signedId = `sid=${new SignedCookieCodec([SECRET]).sign('sid', generateSessionId())}`
    expect(await authorize(httpEvent([otherName]))).toEqual({ isAuthorized: false })
    expect(await authorize(httpEvent([signedId]))).toEqual({ isAuthorized: false })
    expect(denials).toEqual(['cookie-rejected', 'cookie-rejected'])
  })

  test('a forged sid next to a valid one: the valid one counts; no cookie at all is a denial', async () => {
    const { authorize, denials } = authorizerWith()
    const answer = (await authorize(httpEvent([`sid=${'A'.repeat(80)}`, sealedCookie()]))) as SimpleAuthorizerResponse
    expect(answer).toEqual({ isAuthorized: true, context: { userId: 'user-42' } })
    expect(await authorize(httpEvent(['theme=dark']))).toEqual({ isAuthorized: false })
    expect(denials).toEqual(['no-cookie'])
  })

  test('an anonymous sealed session is denied unless requireUserId is false', async () => {
    const anonymous = sealedCookie({ userId: undefined })
    const strict = authorizerWith()
    expect(await strict.authorize(httpEvent([anonymous]))).toEqual({ isAuthorized: false })
    expect(strict.denials).toEqual(['no-user'])
    const lenient = (await authorizerWith({ requireUserId: false }).authorize(
      restEvent(anonymous),
    )) as IamPolicyResponse
    expect(lenient.principalId).toBe('anonymous')
    expect(lenient.policyDocument.Statement[0]?.Effect).toBe('Allow')
  })
})
