import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  generateSessionId,
  hashSessionId,
  type SessionRecord,
  SignedCookieCodec,
  StoreUnavailableError,
} from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import {
  type IamPolicyResponse,
  type SessionAuthorizerEvent,
  type SessionAuthorizerOptions,
  type SimpleAuthorizerResponse,
  sessionAuthorizer,
} from '@lambda-session/session-authorizer'
import { createLocalDynamoDBClient, ManualClock, trackDynamoDBCalls } from '@lambda-session/testing'

const SECRET = 'authorizer-test-secret-0123456789abcdef'
const OLD_SECRET = 'authorizer-old-secret-0123456789abcdefg'

type Json = Record<string, unknown>

function fixture(path: string): Json {
  return JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')) as Json
}

/** The REST REQUEST capture with the Cookie header where API Gateway REST puts it. */
function restEvent(cookieHeader?: string): SessionAuthorizerEvent {
  const event = fixture('apigw-rest/authorizer-request.json')
  if (cookieHeader !== undefined) {
    ;(event.headers as Json).Cookie = cookieHeader
    ;(event.multiValueHeaders as Json).Cookie = [cookieHeader]
  }
  return event as unknown as SessionAuthorizerEvent
}

/** The REST TOKEN capture, its token being the Cookie header (identity source `method.request.header.Cookie`). */
function tokenEvent(cookieHeader: string): SessionAuthorizerEvent {
  return { ...fixture('apigw-rest/authorizer-token.json'), authorizationToken: cookieHeader } as SessionAuthorizerEvent
}

/** The HTTP API payload 2.0 capture with cookies in the `cookies` array, no Cookie header. */
function httpEvent(cookies?: string[]): SessionAuthorizerEvent {
  const event = fixture('apigw-http/authorizer-request.json')
  if (cookies) {
    event.cookies = cookies
    event.identitySource = [cookies.join('; ')]
  }
  return event as unknown as SessionAuthorizerEvent
}

const REST_API = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*'
const HTTP_API = 'arn:aws:execute-api:eu-west-1:123456789012:lsw1ro4ipb/$default/*'

let client: DynamoDBClient
let store: DynamoDBSessionStore
const clock = new ManualClock()
const codec = new SignedCookieCodec([SECRET])
let sessions: SessionAuthorizerOptions

/** Stores a session the way the saver would and returns its signed cookie value. */
async function storedSession(fields: Partial<SessionRecord> = {}): Promise<{ id: string; cookie: string }> {
  const id = generateSessionId()
  const now = clock.now()
  await store.create({
    idHash: hashSessionId(id),
    data: { cart: [{ sku: 'mug', qty: 1 }] },
    versions: { cart: 1 },
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 86_400_000,
    userId: 'user-42',
    ...fields,
  })
  return { id, cookie: `sid=${codec.sign('sid', id)}` }
}

beforeAll(async () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through the root jest config')
  client = createLocalDynamoDBClient(endpoint)
  const tableName = `authorizer-${randomBytes(4).toString('hex')}`
  await ensureSessionTable({ client, tableName })
  store = new DynamoDBSessionStore({ client, tableName })
  sessions = { store, secrets: [SECRET, OLD_SECRET], clock: clock.now, idleTimeoutSeconds: 600 }
})

afterAll(() => client.destroy())

describe('a valid session of a signed-in user', () => {
  test('REST REQUEST: Allow for the whole stage, user id as principal and in the context', async () => {
    const { cookie } = await storedSession()
    const answer = (await sessionAuthorizer(sessions)(restEvent(`theme=dark; ${cookie}`))) as IamPolicyResponse
    expect(answer).toEqual({
      principalId: 'user-42',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: REST_API }],
      },
      context: { userId: 'user-42' },
    })
  })

  test('REST REQUEST with policyScope "route": the policy names only the called method', async () => {
    const { cookie } = await storedSession()
    const answer = (await sessionAuthorizer({ ...sessions, policyScope: 'route' })(
      restEvent(cookie),
    )) as IamPolicyResponse
    expect(answer.policyDocument.Statement[0]?.Resource).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-request',
    )
  })

  test('REST TOKEN with the Cookie header as its token', async () => {
    const { cookie } = await storedSession()
    const answer = (await sessionAuthorizer(sessions)(tokenEvent(`a=1; ${cookie}`))) as IamPolicyResponse
    expect(answer.policyDocument.Statement[0]?.Effect).toBe('Allow')
    expect(answer.context).toEqual({ userId: 'user-42' })
  })

  test('HTTP API payload 2.0: a simple response with the user id', async () => {
    const { cookie } = await storedSession()
    const answer = await sessionAuthorizer(sessions)(httpEvent(['theme=dark', cookie]))
    expect(answer).toEqual({ isAuthorized: true, context: { userId: 'user-42' } })
  })

  test('HTTP API payload 2.0 without simple responses: an IAM policy on the route ARN', async () => {
    const { cookie } = await storedSession()
    const answer = (await sessionAuthorizer({ ...sessions, simpleResponses: false })(
      httpEvent([cookie]),
    )) as IamPolicyResponse
    expect(answer.principalId).toBe('user-42')
    expect(answer.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: HTTP_API },
    ])
  })

  test('a cookie signed with an older secret of the key ring still verifies', async () => {
    const id = (await storedSession()).id
    const oldCookie = `sid=${new SignedCookieCodec([OLD_SECRET]).sign('sid', id)}`
    expect(await sessionAuthorizer(sessions)(httpEvent([oldCookie]))).toMatchObject({ isAuthorized: true })
  })

  test('a forged sid next to a valid one: the valid one counts', async () => {
    const { cookie } = await storedSession()
    const forged = `sid=${generateSessionId()}.${'A'.repeat(43)}`
    expect(await sessionAuthorizer(sessions)(httpEvent([forged, cookie]))).toMatchObject({ isAuthorized: true })
  })

  test('context callback adds values; the user id always wins', async () => {
    const { cookie } = await storedSession()
    const authorize = sessionAuthorizer({
      ...sessions,
      context: (session) => ({ cartLines: (session.data.cart as unknown[]).length, userId: 'spoofed' }),
    })
    expect(await authorize(httpEvent([cookie]))).toEqual({
      isAuthorized: true,
      context: { cartLines: 1, userId: 'user-42' },
    })
  })

  test('exactly one GetItem, no write (the authorizer never touches the session)', async () => {
    const { cookie } = await storedSession()
    const calls = trackDynamoDBCalls(client)
    await sessionAuthorizer(sessions)(restEvent(cookie))
    expect(calls.counts).toEqual({ GetItemCommand: 1 })
  })
})

describe('everything else is denied', () => {
  const cases: Array<[string, () => Promise<string | undefined>]> = [
    ['no cookie at all', async () => undefined],
    ['other cookies only', async () => 'theme=dark'],
    ['a forged signature', async () => `sid=${generateSessionId()}.${'A'.repeat(43)}`],
    ['a signed id the store never saw', async () => `sid=${codec.sign('sid', generateSessionId())}`],
    ['garbage', async () => 'sid=%E0%A4%A; sid=..; sid=a.b.c'],
    [
      'an idle session',
      async () => (await storedSession({ lastSeenAt: clock.now() - 601_000, createdAt: clock.now() - 601_000 })).cookie,
    ],
    [
      'a session past its absolute lifetime',
      async () => (await storedSession({ createdAt: clock.now() - 8 * 86_400_000 })).cookie,
    ],
    [
      'a destroyed session',
      async () => {
        const { id, cookie } = await storedSession()
        await store.destroy(hashSessionId(id))
        return cookie
      },
    ],
    ['an anonymous session (no user id)', async () => (await storedSession({ userId: undefined })).cookie],
  ]

  test.each(cases)('%s: REST gets Deny, HTTP API gets isAuthorized false', async (_name, makeCookie) => {
    const cookie = await makeCookie()
    const authorize = sessionAuthorizer(sessions)
    const rest = (await authorize(restEvent(cookie))) as IamPolicyResponse
    expect(rest).toEqual({
      principalId: 'anonymous',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: REST_API }],
      },
    })
    const http = (await authorize(httpEvent(cookie === undefined ? undefined : [cookie]))) as SimpleAuthorizerResponse
    expect(http).toEqual({ isAuthorized: false })
  })

  test('requireUserId: false lets an anonymous session through', async () => {
    const { cookie } = await storedSession({ userId: undefined })
    const answer = (await sessionAuthorizer({ ...sessions, requireUserId: false })(
      restEvent(cookie),
    )) as IamPolicyResponse
    expect(answer.principalId).toBe('anonymous')
    expect(answer.policyDocument.Statement[0]?.Effect).toBe('Allow')
    expect(answer.context).toEqual({})
  })

  test('no store read for a request without a verifiable cookie', async () => {
    const calls = trackDynamoDBCalls(client)
    await sessionAuthorizer(sessions)(restEvent(`sid=${generateSessionId()}.${'B'.repeat(43)}`))
    await sessionAuthorizer(sessions)(restEvent())
    expect(calls.total()).toBe(0)
  })
})

describe('failure modes', () => {
  test('a store outage is thrown (API Gateway answers 500): never an Allow, never a misleading Deny', async () => {
    const deadClient = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    })
    const errors: unknown[] = []
    const authorize = sessionAuthorizer({
      store: new DynamoDBSessionStore({ client: deadClient, tableName: 'nowhere' }),
      secrets: [SECRET],
      logger: { debug() {}, info() {}, warn() {}, error: (_message, details) => errors.push(details) },
    })
    const cookie = `sid=${codec.sign('sid', generateSessionId())}`
    await expect(authorize(restEvent(cookie))).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(errors).toEqual([expect.objectContaining({ event: 'authorizer-store-error' })])
    deadClient.destroy()
  })

  test('an event that is not an authorizer event is a TypeError', async () => {
    await expect(
      sessionAuthorizer(sessions)({ type: 'REQUEST', headers: {} } as unknown as SessionAuthorizerEvent),
    ).rejects.toThrow(TypeError)
  })

  test('short or missing secrets fail when the authorizer is created', () => {
    expect(() => sessionAuthorizer({ store, secrets: ['short'] })).toThrow(/at least 32/)
    expect(() => sessionAuthorizer({ ...sessions, policyScope: 'stage' as 'api' })).toThrow(/policyScope/)
  })

  test('logs say why, never the cookie, the id or session data', async () => {
    const lines: string[] = []
    const record = (message: string, details?: Record<string, unknown>) =>
      lines.push(`${message} ${JSON.stringify(details)}`)
    const authorize = sessionAuthorizer({
      ...sessions,
      logger: { debug: record, info: record, warn: record, error: record },
    })
    const valid = await storedSession()
    const unknown = `sid=${codec.sign('sid', generateSessionId())}`
    await authorize(restEvent(valid.cookie))
    await authorize(restEvent(unknown))
    expect(lines).toEqual([
      expect.stringContaining('"event":"authorizer-allowed"'),
      expect.stringContaining('"reason":"session-unknown"'),
    ])
    const all = lines.join('\n')
    for (const secretish of [valid.id, valid.cookie.slice(4), unknown.slice(4), 'user-42', 'mug']) {
      expect(all).not.toContain(secretish)
    }
  })
})
