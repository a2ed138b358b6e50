import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { CognitoOptions } from '@lambda-session/jwt-identity'
import { call, identityHandler, identityOf, recordingLogger } from './harness.js'
import {
  createSigningKey,
  headerOf,
  type JwksServer,
  loopbackJwksCache,
  type SigningKey,
  signToken,
  startJwksServer,
} from './identity-provider.js'

const POOL = 'us-east-1_TestPool1'
const CLIENT = '3abcdefghij4klmnop5qrstuv6'
const REGIONAL_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`
const GLOBAL_ISSUER = `https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL}`

let key: SigningKey
let idp: JwksServer

beforeAll(async () => {
  key = await createSigningKey('RS256', 'cognito-1')
  idp = await startJwksServer([key.jwk])
})
afterAll(() => idp.close())

/** Cognito's JWKS lives at https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json: served here from loopback. */
function cognitoHandler(cognito: Partial<CognitoOptions> = {}, logger = recordingLogger()) {
  const jwksCache = loopbackJwksCache((uri) => uri.replace(/^https:\/\/[^/]+/, idp.origin))
  return identityHandler({
    cognito: { userPoolId: POOL, clientId: CLIENT, tokenUse: 'access', ...cognito },
    jwksCache,
    logger,
  })
}

const now = () => Math.floor(Date.now() / 1000)

/** Claims as Cognito issues them. */
const accessToken = (claims: Record<string, unknown> = {}) =>
  signToken(key, {
    iss: REGIONAL_ISSUER,
    aud: undefined, // Cognito access tokens carry client_id, not aud
    sub: 'a1b2c3d4-0000-4000-8000-000000000001',
    client_id: CLIENT,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: now(),
    jti: 'jti-1',
    username: 'alice',
    ...claims,
  })
const idToken = (claims: Record<string, unknown> = {}) =>
  signToken(key, {
    iss: REGIONAL_ISSUER,
    aud: CLIENT,
    sub: 'a1b2c3d4-0000-4000-8000-000000000001',
    token_use: 'id',
    'cognito:username': 'alice',
    'cognito:groups': ['admins'],
    email: 'alice@example.test',
    auth_time: now(),
    ...claims,
  })

describe('Cognito User Pool tokens', () => {
  test('an access token: verified against the pool JWKS, fetched once for many invocations', async () => {
    const before = idp.fetches.length
    const handler = cognitoHandler()
    for (let i = 0; i < 3; i++) {
      const identity = identityOf(await call(handler, { bearer: await accessToken() }))
      expect(identity).toMatchObject({
        sub: 'a1b2c3d4-0000-4000-8000-000000000001',
        source: 'authorization',
        claims: { client_id: CLIENT, token_use: 'access', username: 'alice' },
      })
    }
    expect(idp.fetches.slice(before)).toEqual([`/${POOL}/.well-known/jwks.json`])
  })

  test("an ID token with tokenUse: 'id', its groups and email in the claims", async () => {
    const identity = identityOf(await call(cognitoHandler({ tokenUse: 'id' }), { bearer: await idToken() }))
    expect(identity.claims).toMatchObject({ 'cognito:groups': ['admins'], email: 'alice@example.test' })
  })

  test('the newer global issuer format (issuer-cognito-idp) of the same pool is accepted', async () => {
    const token = await accessToken({ iss: GLOBAL_ISSUER })
    expect(identityOf(await call(cognitoHandler(), { bearer: token })).claims.iss).toBe(GLOBAL_ISSUER)
  })

  test('tokenUse: null accepts both kinds', async () => {
    const handler = cognitoHandler({ tokenUse: null })
    expect((await call(handler, { bearer: await accessToken() })).statusCode).toBe(200)
    expect((await call(handler, { bearer: await idToken() })).statusCode).toBe(200)
  })

  const refusals: [string, () => Promise<string>, Partial<CognitoOptions>, string][] = [
    ['an ID token where access tokens are expected', () => idToken(), {}, 'token-use'],
    ['an access token where ID tokens are expected', () => accessToken(), { tokenUse: 'id' }, 'token-use'],
    ["another app client's access token", () => accessToken({ client_id: 'other-client' }), {}, 'audience'],
    ["another app client's ID token", () => idToken({ aud: 'other-client' }), { tokenUse: 'id' }, 'audience'],
    [
      "another pool's token",
      () => accessToken({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool' }),
      {},
      'issuer',
    ],
    ['an expired access token', () => accessToken({ exp: now() - 1 }), {}, 'expired'],
  ]
  test.each(refusals)('%s: 401 invalid_token', async (_name, makeToken, cognito, reason) => {
    const logger = recordingLogger()
    const response = await call(cognitoHandler(cognito, logger), { bearer: await makeToken() })
    expect(response.statusCode).toBe(401)
    expect(headerOf(response, 'WWW-Authenticate')).toBe('Bearer error="invalid_token"')
    expect(logger.lines.find((line) => line.details?.event === 'token-rejected')?.details?.reason).toBe(reason)
  })
})
