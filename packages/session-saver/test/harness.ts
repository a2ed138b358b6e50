import { randomBytes } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { HttpResponse, Session, SessionOptions } from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
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

/** Two secrets of the length the codec demands. */
export const SECRET = 'test-secret-0123456789abcdefghijklmnop'
export const OTHER_SECRET = 'other-secret-0123456789abcdefghijklmno'

export type Shape = 'rest-api-v1' | 'http-api-v2' | 'alb' | 'alb-multi-value' | 'function-url'
export const SHAPES: Shape[] = ['rest-api-v1', 'http-api-v2', 'alb', 'alb-multi-value', 'function-url']

/** A session table of its own on the shared DynamoDB Local, with a counted client. */
export interface SessionTestbed {
  client: DynamoDBClient
  calls: DynamoDBCallCounter
  store: DynamoDBSessionStore
  tableName: string
  close(): void
}

export async function createTestbed(): Promise<SessionTestbed> {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through the root jest config')
  const client = createLocalDynamoDBClient(endpoint)
  const tableName = `sessions-${randomBytes(4).toString('hex')}`
  await ensureSessionTable({ client, tableName })
  const calls = trackDynamoDBCalls(client)
  return {
    client,
    calls,
    // Concurrency, not outages, is tested here: a generous time budget keeps a loaded
    // CI machine from turning slow writes into 503s (test-faults covers those).
    store: new DynamoDBSessionStore({ client, tableName, timeoutMs: 30_000, attemptTimeoutMs: 10_000 }),
    tableName,
    close: () => client.destroy(),
  }
}

/** What a test handler does with the session. */
export type SessionAction = (session: Session) => unknown

/** The three middlewares around a handler that runs `action`, as a user would compose them. */
export function sessionHandler(options: SessionOptions, action: SessionAction) {
  return middy(async (_event: unknown, context: { session: Session }) => {
    const body = await action(context.session)
    return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? null) }
  })
    .use(httpCookieParser())
    .use(sessionLoader(options))
    .use(sessionSaver(options))
    .use(httpErrorHandler({ logger: false }))
}

/** Every `Set-Cookie` value of a response, from wherever its shape puts them. */
export function setCookiesOf(response: HttpResponse): string[] {
  const found: string[] = [...(response.cookies ?? [])]
  for (const [key, values] of Object.entries(response.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === 'set-cookie') found.push(...values.map(String))
  }
  for (const [key, value] of Object.entries(response.headers ?? {})) {
    if (key.toLowerCase() === 'set-cookie') found.push(String(value))
  }
  return found
}

/** The session cookie a response sets: its value ('' when expired) and attributes, or undefined. */
export function sessionCookieOf(response: HttpResponse, cookieName = 'sid') {
  const raw = setCookiesOf(response).find((value) => value.startsWith(`${cookieName}=`))
  return raw === undefined ? undefined : { raw, ...parseSetCookie(raw) }
}

type Handler = ReturnType<typeof sessionHandler>

/** Invokes the handler with a request of the given shape carrying `cookies`. */
export async function invoke(
  handler: Handler,
  { shape = 'http-api-v2', cookies = {} }: { shape?: Shape; cookies?: Record<string, string> | string[] } = {},
): Promise<HttpResponse> {
  const event = buildHttpEvent(shape, { method: 'POST', path: '/test', cookies })
  return (await handler(event as never, createLambdaContext() as never)) as HttpResponse
}

/** The `sid=<value>` cookie a response set, ready to send back. */
export function sidFrom(response: HttpResponse): Record<string, string> {
  const cookie = sessionCookieOf(response)
  if (!cookie?.value) throw new Error(`response set no session cookie: ${JSON.stringify(response)}`)
  return { sid: cookie.value }
}
