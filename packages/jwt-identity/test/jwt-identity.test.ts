import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ConfigurationError } from '@lambda-session/core'
import {
  type IdentityContext,
  InvalidTokenError,
  jwtIdentity,
  MAX_TOKEN_LENGTH,
  TokenRequiredError,
} from '@lambda-session/jwt-identity'
import { buildHttpEvent, EventShapes } from '@lambda-session/testing'
import { SignJWT } from 'jose'
import { call, identityHandler, identityOf, recordingLogger } from './harness.js'
import {
  AUDIENCE,
  createSigningKey,
  headerOf,
  ISSUER,
  type JwksServer,
  loopbackJwksCache,
  type SigningKey,
  signToken,
  startJwksServer,
  unsignedToken,
  withPayload,
} from './identity-provider.js'

let rsa: SigningKey
let ec: SigningKey
/** Same `kid` as `rsa`, another key pair: a forger who knows the kid. */
let impostor: SigningKey
/** A key the JWKS never lists. */
let stranger: SigningKey
let idp: JwksServer

beforeAll(async () => {
  ;[rsa, ec, impostor, stranger] = await Promise.all([
    createSigningKey('RS256', 'rsa-1'),
    createSigningKey('ES256', 'ec-1'),
    createSigningKey('RS256', 'rsa-1'),
    createSigningKey('RS256', 'stranger'),
  ])
  idp = await startJwksServer([rsa.jwk, ec.jwk])
})
afterAll(() => idp.close())

/** A handler verifying tokens of our loopback issuer, with a JWKS cache of its own (a cold start). */
function oidcHandler(options: Partial<Parameters<typeof jwtIdentity>[0]> = {}) {
  return identityHandler({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: idp.jwksUri,
    jwksCache: loopbackJwksCache(),
    ...options,
  })
}

const now = () => Math.floor(Date.now() / 1000)

describe('valid tokens', () => {
  test.each(['RS256', 'ES256'] as const)('%s: the handler gets { sub, claims, source }', async (alg) => {
    const token = await signToken(alg === 'RS256' ? rsa : ec, { sub: `user-${alg}`, email: 'a@example.test' })
    const identity = identityOf(await call(oidcHandler(), { bearer: token }))
    expect(identity).toEqual({
      sub: `user-${alg}`,
      source: 'authorization',
      claims: expect.objectContaining({ sub: `user-${alg}`, iss: ISSUER, aud: AUDIENCE, email: 'a@example.test' }),
    })
  })

  test.each(EventShapes)('%s: from the Authorization header and from a cookie', async (shape) => {
    const handler = oidcHandler({ from: ['authorization', { cookie: 'id_token' }] })
    const token = await signToken(rsa)
    expect(identityOf(await call(handler, { shape, bearer: token })).source).toBe('authorization')
    expect(identityOf(await call(handler, { shape, cookies: { id_token: token } })).source).toBe('cookie')
  })

  test('the Bearer scheme is case-insensitive (RFC 7235)', async () => {
    const token = await signToken(rsa)
    const response = await call(oidcHandler(), { headers: { authorization: `bearer  ${token} ` } })
    expect(identityOf(response).sub).toBe('user-1')
  })

  test('an audience list accepts any of its values', async () => {
    const token = await signToken(rsa, { aud: ['other', 'second-api'] })
    expect(identityOf(await call(oidcHandler({ audience: ['second-api', 'third'] }), { bearer: token })).sub).toBe(
      'user-1',
    )
  })
})

describe('JWKS cache across warm invocations', () => {
  test('one fetch for many invocations of one handler; a new handler (cold start) fetches again', async () => {
    const before = idp.fetches.length
    const warm = oidcHandler()
    for (let i = 0; i < 5; i++) {
      const token = await signToken(i % 2 === 0 ? rsa : ec, { sub: `user-${i}` })
      expect(identityOf(await call(warm, { bearer: token })).sub).toBe(`user-${i}`)
    }
    expect(idp.fetches.length - before).toBe(1)
    expect(warm.runs.count).toBe(5)

    const cold = oidcHandler()
    await call(cold, { bearer: await signToken(rsa) })
    await call(cold, { bearer: await signToken(rsa) })
    expect(idp.fetches.length - before).toBe(2)
  })

  test('a key rotated in is fetched once, on the first token that uses it', async () => {
    const handler = oidcHandler()
    await call(handler, { bearer: await signToken(rsa) })
    const before = idp.fetches.length
    const rotated = await createSigningKey('RS256', 'rsa-2')
    idp.keys = [...idp.keys, rotated.jwk]
    try {
      for (let i = 0; i < 3; i++)
        expect(identityOf(await call(handler, { bearer: await signToken(rotated) })).sub).toBe('user-1')
      expect(idp.fetches.length - before).toBe(1)
    } finally {
      idp.keys = [rsa.jwk, ec.jwk]
    }
  })

  test('JWKS endpoint down: 503 with Retry-After, nothing reaches the handler; it recovers when the endpoint does', async () => {
    const logger = recordingLogger()
    const handler = oidcHandler({ logger })
    idp.status = 500
    try {
      const response = await call(handler, { bearer: await signToken(rsa) })
      expect(response.statusCode).toBe(503)
      expect(headerOf(response, 'Retry-After')).toBe('5')
      expect(handler.runs.count).toBe(0)
      expect(logger.lines.map((line) => line.details?.event)).toContain('jwks-unavailable')
    } finally {
      idp.status = 200
    }
    expect(identityOf(await call(handler, { bearer: await signToken(rsa) })).sub).toBe('user-1')
  })
})

type Refusal = [string, () => Promise<string>, string]
const refusals: Refusal[] = [
  ['expired', () => signToken(rsa, { exp: now() - 60 }), 'expired'],
  ['not yet valid', () => signToken(rsa, { nbf: now() + 600 }), 'not-yet-valid'],
  ['wrong issuer', () => signToken(rsa, { iss: 'https://evil.example.test/' }), 'issuer'],
  ['no issuer', () => signToken(rsa, { iss: undefined }), 'issuer'],
  ['wrong audience', () => signToken(rsa, { aud: 'https://other-api.example.test' }), 'audience'],
  [
    'tampered payload (sub changed, signature kept)',
    async () => withPayload(await signToken(rsa), (claims) => Object.assign(claims, { sub: 'admin' })),
    'signature',
  ],
  [
    'tampered payload (exp extended, signature kept)',
    async () =>
      withPayload(await signToken(rsa, { exp: now() - 60 }), (claims) => Object.assign(claims, { exp: now() + 3600 })),
    'signature',
  ],
  ['tampered signature', async () => `${(await signToken(ec)).slice(0, -6)}AAAAAA`, 'signature'],
  // aws-jwt-verify refuses an empty signature part before looking at anything else.
  ['signature stripped', async () => `${(await signToken(rsa)).split('.').slice(0, 2).join('.')}.`, 'malformed'],
  ['unsigned (alg: none)', async () => unsignedToken({}), 'malformed'],
  ['unsigned (alg: none) naming a known kid', async () => unsignedToken({}, 'rsa-1'), 'malformed'],
  ['alg: none with a bogus signature, no kid', async () => `${unsignedToken({})}c2ln`, 'key'],
  [
    'alg: none with a bogus signature, naming a known kid',
    async () => `${unsignedToken({}, 'rsa-1')}c2ln`,
    'algorithm',
  ],
  [
    'HS256 with the public key as the secret (algorithm confusion)',
    async () =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', exp: now() + 300 })
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
        .sign(new TextEncoder().encode(JSON.stringify(rsa.jwk))),
    'algorithm',
  ],
  ['wrong key under a known kid', () => signToken(impostor), 'signature'],
  [
    'ES256 header on the RSA key',
    async () => withHeader(await signToken(ec), { alg: 'ES256', kid: 'rsa-1' }),
    'algorithm',
  ],
  ['key not in the JWKS', () => signToken(stranger), 'key'],
  ['no sub claim', () => signToken(rsa, { sub: undefined }), 'subject'],
  ['not a JWT', async () => 'not-a-jwt', 'malformed'],
  ['three parts of garbage', async () => 'abc.def.ghi', 'malformed'],
  ['over the size limit', async () => `${await signToken(rsa)}${'A'.repeat(MAX_TOKEN_LENGTH)}`, 'malformed'],
]

function withHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split('.')
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`
}

describe('refused with 401 and WWW-Authenticate: Bearer error="invalid_token"', () => {
  test.each(refusals)('%s', async (_name, makeToken, reason) => {
    const logger = recordingLogger()
    const handler = oidcHandler({ logger, required: false })
    const token = await makeToken()
    const response = await call(handler, { bearer: token })
    expect(response.statusCode).toBe(401)
    expect(headerOf(response, 'WWW-Authenticate')).toBe('Bearer error="invalid_token"')
    expect(handler.runs.count).toBe(0)
    const rejected = logger.lines.find((line) => line.details?.event === 'token-rejected')
    expect(rejected?.details).toMatchObject({ reason, source: 'authorization' })
    // The token and what's in it never reach the logs.
    const logged = JSON.stringify(logger.lines)
    expect(logged).not.toContain(token.split('.')[1] || token)
    expect(logged).not.toContain('user-1')
  })

  test('the error is typed: InvalidTokenError, expose, reason, a cause naming the package', async () => {
    const before = jwtIdentity({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: idp.jwksUri,
      jwksCache: loopbackJwksCache(),
    }).before
    const event = buildHttpEvent('rest-api-v1', {
      headers: { Authorization: `Bearer ${await signToken(rsa, { exp: 1 })}` },
    })
    const error = await before({ event, context: {} }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({
      statusCode: 401,
      expose: true,
      reason: 'expired',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      cause: { package: '@lambda-session/jwt-identity', data: 'JwtExpiredError' },
    })
  })

  test('a forged token is refused on every attempt, and unknown kids do not hammer the JWKS endpoint', async () => {
    const handler = oidcHandler()
    await call(handler, { bearer: await signToken(rsa) })
    const before = idp.fetches.length
    for (let i = 0; i < 5; i++)
      expect((await call(handler, { bearer: await signToken(stranger) })).statusCode).toBe(401)
    // One refetch for the unknown kid (it might be a rotation); aws-jwt-verify's penalty box blocks the rest.
    expect(idp.fetches.length - before).toBe(1)
  })
})

describe('token sources', () => {
  const both = { from: ['authorization', { cookie: 'id_token' }] } as const

  test('both present: the Authorization header wins', async () => {
    const handler = oidcHandler(both)
    const response = await call(handler, {
      bearer: await signToken(rsa, { sub: 'from-header' }),
      cookies: { id_token: await signToken(rsa, { sub: 'from-cookie' }) },
    })
    expect(identityOf(response)).toMatchObject({ sub: 'from-header', source: 'authorization' })
  })

  test('another Authorization scheme (Basic) is not ours: the cookie is used', async () => {
    const response = await call(oidcHandler(both), {
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
      cookies: { id_token: await signToken(rsa, { sub: 'from-cookie' }) },
    })
    expect(identityOf(response)).toMatchObject({ sub: 'from-cookie', source: 'cookie' })
  })

  test('an invalid bearer token is refused, not replaced by a valid cookie', async () => {
    const response = await call(oidcHandler(both), {
      bearer: await signToken(rsa, { exp: now() - 5 }),
      cookies: { id_token: await signToken(rsa) },
    })
    expect(response.statusCode).toBe(401)
  })

  test('`Bearer` with no token, or with text that is not token68, is a malformed token', async () => {
    for (const value of ['Bearer', 'Bearer    ', 'Bearer a b c', 'Bearer {json}']) {
      const response = await call(oidcHandler({ required: false }), { headers: { Authorization: value } })
      expect([value, response.statusCode, headerOf(response, 'WWW-Authenticate')]).toEqual([
        value,
        401,
        'Bearer error="invalid_token"',
      ])
    }
  })

  test("from: 'authorization' ignores cookies; from: { cookie } ignores the header", async () => {
    const token = await signToken(rsa)
    expect((await call(oidcHandler(), { cookies: { id_token: token } })).statusCode).toBe(401)
    const cookieOnly = oidcHandler({ from: { cookie: 'id_token' } })
    expect((await call(cookieOnly, { bearer: token })).statusCode).toBe(401)
    expect(identityOf(await call(cookieOnly, { cookies: { id_token: token } })).source).toBe('cookie')
  })

  test('several different values of the token cookie: the first is used, and a warning logged', async () => {
    const logger = recordingLogger()
    const first = await signToken(rsa, { sub: 'first' })
    const second = await signToken(rsa, { sub: 'second' })
    const response = await call(oidcHandler({ from: { cookie: 'id_token' }, logger }), {
      shape: 'rest-api-v1',
      cookies: [`id_token=${first}`, `id_token=${second}`],
    })
    expect(identityOf(response).sub).toBe('first')
    expect(logger.lines.map((line) => line.details?.event)).toContain('cookie-ambiguous')
  })
})

describe('missing token', () => {
  test('required (the default): 401 TokenRequiredError with WWW-Authenticate: Bearer and no error code', async () => {
    const handler = oidcHandler()
    const response = await call(handler)
    expect(response.statusCode).toBe(401)
    expect(headerOf(response, 'WWW-Authenticate')).toBe('Bearer')
    expect(response.body).toMatch(/needs a bearer token/)
    expect(handler.runs.count).toBe(0)
    const event = buildHttpEvent('http-api-v2')
    await expect(
      jwtIdentity({ verifier: { verify: async () => ({}) } }).before({ event, context: {} }),
    ).rejects.toThrow(TokenRequiredError)
  })

  test('required: false: the handler runs with context.identity undefined, and no JWKS fetch', async () => {
    const before = idp.fetches.length
    const handler = oidcHandler({ required: false })
    expect(identityOf(await call(handler, { cookies: { other: 'x' } }))).toBeNull()
    expect(handler.runs.count).toBe(1)
    expect(idp.fetches.length).toBe(before)
  })

  test('an identity already on the context (a reused context object) never passes for a verified one', async () => {
    const context: IdentityContext = { identity: { sub: 'stale', claims: {}, source: 'authorization' } }
    const middleware = jwtIdentity({ verifier: { verify: async () => ({ sub: 'x' }) }, required: false })
    await middleware.before({ event: buildHttpEvent('http-api-v2'), context })
    expect(context.identity).toBeUndefined()
  })
})

describe('verifier option and configuration', () => {
  test('a verifier of your own: its claims are used; its LambdaSessionErrors pass through; other errors are a 401', async () => {
    const claims = { sub: 'custom', iss: 'mine' }
    expect(
      identityOf(await call(identityHandler({ verifier: { verify: async () => claims } }), { bearer: 'a.b.c' })),
    ).toEqual({ sub: 'custom', source: 'authorization', claims })
    const outage = new TokenRequiredError()
    const passthrough = identityHandler({
      verifier: {
        verify: async () => {
          throw outage
        },
      },
    })
    expect((await call(passthrough, { bearer: 'a.b.c' })).statusCode).toBe(401)
    const broken = identityHandler({
      verifier: {
        verify: async () => {
          throw new RangeError('boom')
        },
      },
    })
    expect((await call(broken, { bearer: 'a.b.c' })).statusCode).toBe(401)
  })

  const badOptions: [string, unknown][] = [
    ['nothing', {}],
    ['two of verifier/issuer/cognito', { issuer: ISSUER, audience: AUDIENCE, verifier: { verify: async () => ({}) } }],
    ['issuer without audience', { issuer: ISSUER }],
    ['an http:// issuer (JWKS over plain HTTP)', { issuer: 'http://idp.example.test', audience: AUDIENCE }],
    ['an http:// jwksUri', { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://idp.example.test/keys' }],
    ['a jwksUri that is not a URL', { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'keys.json' }],
    ['a User Pool id that is not one', { cognito: { userPoolId: 'pool', clientId: 'c', tokenUse: 'access' } }],
    ['cognito without tokenUse', { cognito: { userPoolId: 'eu-west-1_Abc123', clientId: 'c' } }],
    ['cognito without clientId', { cognito: { userPoolId: 'eu-west-1_Abc123', tokenUse: 'id' } }],
    ['a verifier without verify()', { verifier: {} }],
    ['an empty from list', { issuer: ISSUER, audience: AUDIENCE, from: [] }],
    ['a cookie source without a name', { issuer: ISSUER, audience: AUDIENCE, from: { cookie: '' } }],
    ['an unknown source', { issuer: ISSUER, audience: AUDIENCE, from: 'query' }],
  ]
  test.each(badOptions)('%s: ConfigurationError when the middleware is created', (_name, options) => {
    expect(() => jwtIdentity(options as never)).toThrow(ConfigurationError)
  })

  test('the inner function is named, as Middy shows it in hooks and stack traces', () => {
    const middleware = jwtIdentity({ issuer: ISSUER, audience: AUDIENCE })
    expect(middleware.before.name).toBe('jwtIdentityMiddlewareBefore')
    expect(Object.keys(middleware)).toEqual(['before'])
  })

  test('creating the middleware fetches nothing: the JWKS is loaded by the first token', async () => {
    const before = idp.fetches.length
    jwtIdentity({ issuer: ISSUER, audience: AUDIENCE, jwksCache: loopbackJwksCache() })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(idp.fetches.length).toBe(before)
  })
})
