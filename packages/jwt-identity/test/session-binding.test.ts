import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { type HttpResponse, hashSessionId, type Session, type SessionOptions } from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { type JwtIdentityOptions, jwtIdentity, type TokenIdentity } from '@lambda-session/jwt-identity'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import {
  buildHttpEvent,
  createLambdaContext,
  createLocalDynamoDBClient,
  type DynamoDBCallCounter,
  trackDynamoDBCalls,
} from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { parseSetCookie } from 'cookie'
import {
  AUDIENCE,
  createSigningKey,
  ISSUER,
  type JwksServer,
  loopbackJwksCache,
  type SigningKey,
  signToken,
  startJwksServer,
} from './identity-provider.js'

let key: SigningKey
let idp: JwksServer
let client: ReturnType<typeof createLocalDynamoDBClient>
let calls: DynamoDBCallCounter
let store: DynamoDBSessionStore
let sessions: SessionOptions

beforeAll(async () => {
  key = await createSigningKey('ES256', 'ec-binding')
  idp = await startJwksServer([key.jwk])
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through the root jest config')
  client = createLocalDynamoDBClient(endpoint)
  const tableName = `jwt-sessions-${randomBytes(4).toString('hex')}`
  await ensureSessionTable({ client, tableName })
  calls = trackDynamoDBCalls(client)
  store = new DynamoDBSessionStore({ client, tableName })
  sessions = { store, secrets: ['jwt-identity-binding-secret-0123456789'] }
})
afterAll(async () => {
  client.destroy()
  await idp.close()
})
beforeEach(() => calls.reset())

type Context = { session: Session; identity?: TokenIdentity }
type Action = (context: Context) => void

/** The documented order: cookie parser, loader, jwtIdentity (bindSession), saver, error handler. */
function boundHandler(jwt: Partial<JwtIdentityOptions> = {}, action: Action = () => {}) {
  return middy(async (_event: unknown, context: Context) => {
    action(context)
    const { session, identity } = context
    const body = { sub: identity?.sub ?? null, userId: session.userId ?? null, id: session.id, data: session.toJSON() }
    return { statusCode: 200, body: JSON.stringify(body) }
  })
    .use(httpCookieParser())
    .use(sessionLoader(sessions))
    .use(
      jwtIdentity({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: idp.jwksUri,
        jwksCache: loopbackJwksCache(),
        bindSession: true,
        ...jwt,
      }),
    )
    .use(sessionSaver(sessions))
    .use(httpErrorHandler({ logger: false }))
}

interface Seen {
  status: number
  sub: string | null
  userId: string | null
  id: string
  data: Record<string, unknown>
  /** The new `sid` cookie value, if the response set one. */
  sid: string | undefined
}

async function send(handler: ReturnType<typeof boundHandler>, { bearer, sid }: { bearer?: string; sid?: string }) {
  const event = buildHttpEvent('http-api-v2', {
    method: 'POST',
    path: '/cart',
    headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
    cookies: sid ? { sid } : {},
  })
  const response = (await handler(event as never, createLambdaContext() as never)) as HttpResponse
  const sidCookie = (response.cookies ?? []).map((raw) => parseSetCookie(raw)).find((cookie) => cookie.name === 'sid')
  const body = response.statusCode === 200 ? JSON.parse(response.body ?? '{}') : {}
  return { status: response.statusCode, ...body, sid: sidCookie?.value } as Seen
}

const tokenFor = (sub: string) => signToken(key, { sub })
const storedUserOf = async (sessionId: string) => (await store.load(hashSessionId(sessionId)))?.userId

describe('bindSession: true with session-loader and session-saver on DynamoDB', () => {
  test('no session yet: one is created, owned by the subject (no read, one write, a new cookie)', async () => {
    const seen = await send(boundHandler(), { bearer: await tokenFor('alice') })
    expect(calls.counts).toEqual({ PutItemCommand: 1 })
    expect(seen).toMatchObject({ status: 200, sub: 'alice', userId: 'alice' })
    expect(seen.sid).toBeTruthy()
    expect(await storedUserOf(seen.id)).toBe('alice')
  })

  test('the same subject again: the same session, no write, no new cookie', async () => {
    const handler = boundHandler()
    const first = await send(handler, { bearer: await tokenFor('alice') })
    calls.reset()
    const again = await send(handler, { bearer: await tokenFor('alice'), sid: first.sid })
    expect(again).toMatchObject({ status: 200, userId: 'alice', id: first.id, sid: undefined })
    expect(calls.writes()).toBe(0)
  })

  test('an anonymous session (a cart before sign-in): regenerated for the subject, its data kept, the old id retired', async () => {
    const anonymous = await send(
      boundHandler({ required: false }, ({ session }) => session.append('cart', { sku: 'A1', qty: 1 })),
      {},
    )
    expect(anonymous).toMatchObject({ sub: null, userId: null })
    const signedIn = await send(boundHandler(), { bearer: await tokenFor('alice'), sid: anonymous.sid })
    expect(signedIn).toMatchObject({ userId: 'alice', data: { cart: [{ sku: 'A1', qty: 1 }] } })
    expect(signedIn.id).not.toBe(anonymous.id)
    expect(signedIn.sid).toBeTruthy()
    expect(await store.load(hashSessionId(anonymous.id))).toBeUndefined()
    expect(await storedUserOf(signedIn.id)).toBe('alice')
  })

  test("another subject on alice's session: a fresh, empty session for bob; alice's is gone", async () => {
    const alice = await send(
      boundHandler({}, ({ session }) => session.set('address', 'alice street 1')),
      { bearer: await tokenFor('alice') },
    )
    const bob = await send(boundHandler(), { bearer: await tokenFor('bob'), sid: alice.sid })
    expect(bob).toMatchObject({ status: 200, sub: 'bob', userId: 'bob', data: {} })
    expect(bob.id).not.toBe(alice.id)
    expect(bob.sid).toBeTruthy()
    expect(await store.load(hashSessionId(alice.id))).toBeUndefined()
    const stored = await store.load(hashSessionId(bob.id))
    expect(stored).toMatchObject({ userId: 'bob', data: {} })
    // Bob's session starts its own lifetime: nothing of alice's carries over, not even its age.
    expect(stored?.createdAt).toBe(stored?.lastSeenAt)
  })

  test('no token on an optional route: the bound session is left as it is', async () => {
    const alice = await send(boundHandler(), { bearer: await tokenFor('alice') })
    calls.reset()
    const later = await send(boundHandler({ required: false }), { sid: alice.sid })
    expect(later).toMatchObject({ status: 200, sub: null, userId: 'alice', id: alice.id, sid: undefined })
    expect(calls.writes()).toBe(0)
  })

  test('an invalid token with a session cookie: 401, and the session is neither changed nor written', async () => {
    const alice = await send(boundHandler(), { bearer: await tokenFor('alice') })
    calls.reset()
    const forged = await signToken(await createSigningKey('ES256', 'ec-binding'), { sub: 'mallory' })
    const refused = await send(boundHandler({ required: false }), { bearer: forged, sid: alice.sid })
    expect(refused.status).toBe(401)
    expect(calls.writes()).toBe(0)
    expect(await storedUserOf(alice.id)).toBe('alice')
  })

  test("the token subject is the session's userId, so revoking a user's sessions works for token users too", async () => {
    const alice = await send(boundHandler(), { bearer: await tokenFor('alice-revoked') })
    expect(await store.destroyUserSessions('alice-revoked')).toBe(1)
    const after = await send(boundHandler(), { bearer: await tokenFor('alice-revoked'), sid: alice.sid })
    expect(after.id).not.toBe(alice.id) // a new session: the revoked one is not resurrected
    expect(await store.load(hashSessionId(alice.id))).toBeUndefined()
  })

  test('bindSession without sessionLoader before it: a 500 (ConfigurationError, not exposed), the handler never runs', async () => {
    let ran = false
    const handler = middy(async () => {
      ran = true
      return { statusCode: 200 }
    })
      .use(
        jwtIdentity({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksUri: idp.jwksUri,
          jwksCache: loopbackJwksCache(),
          bindSession: true,
        }),
      )
      .use(httpErrorHandler({ logger: false }))
    const event = buildHttpEvent('http-api-v2', { headers: { Authorization: `Bearer ${await tokenFor('alice')}` } })
    const response = (await handler(event as never, createLambdaContext() as never)) as HttpResponse
    expect(response.statusCode).toBe(500)
    expect(ran).toBe(false)
  })
})
