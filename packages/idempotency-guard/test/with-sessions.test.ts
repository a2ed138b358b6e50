import { afterAll, beforeAll, expect, test } from '@jest/globals'
import type { HttpResponse, Session, SessionOptions } from '@lambda-session/core'
import { createStoreClient, DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { createLambdaContext } from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { parseSetCookie } from 'cookie'
import { createGuardTestbed, type GuardTestbed, newKey, postEvent, withoutReplayMarker } from './guard-harness.js'

let bed: GuardTestbed
let sessions: SessionOptions
let orders = 0
let checkout: ReturnType<typeof buildCheckout>

beforeAll(async () => {
  bed = await createGuardTestbed()
  const tableName = `${bed.tableName}-sessions`
  await ensureSessionTable({ client: bed.client, tableName })
  sessions = {
    store: new DynamoDBSessionStore({ client: bed.client, tableName }),
    secrets: ['guard-with-sessions-secret-0123456789ab'],
  }
  checkout = buildCheckout()
})
afterAll(() => bed.close())

/** The documented order: loader, guard, saver, error handler. */
function buildCheckout() {
  return middy(async (_event: unknown, context: { session: Session }) => {
    orders++
    context.session.append('orders', `order-${orders}`)
    return { statusCode: 201, body: JSON.stringify({ orderId: `order-${orders}` }) }
  })
    .use(httpCookieParser())
    .use(sessionLoader(sessions))
    .use(idempotencyGuard({ store: bed.store }))
    .use(sessionSaver(sessions))
    .use(httpErrorHandler({ logger: false }))
}

async function post(key: string, cookies?: Record<string, string>): Promise<HttpResponse> {
  return (await checkout(postEvent({ key, cookies }) as never, createLambdaContext() as never)) as HttpResponse
}

const sidOf = (response: HttpResponse) =>
  (response.cookies ?? []).map((raw) => parseSetCookie(raw)).find((cookie) => cookie.name === 'sid')?.value

test('the stored response carries the Set-Cookie the client saw; a retry that lost it gets the same cookie', async () => {
  const key = newKey()
  const first = await post(key)
  const sid = sidOf(first)
  expect(sid).toBeTruthy()
  const retry = await post(key) // the client never received the answer, so it has no cookie yet
  expect(withoutReplayMarker(retry)).toEqual(first)
  expect(sidOf(retry)).toBe(sid)
  expect(orders).toBe(1)
})

test('a replay writes nothing to the session: the saver is skipped with the handler', async () => {
  const key = newKey()
  const sid = sidOf(await post(newKey())) as string
  await post(key, { sid })
  bed.calls.reset()
  await post(key, { sid })
  expect(bed.calls.counts).toEqual({ GetItemCommand: 1, PutItemCommand: 1 }) // session read + failed acquire
})

test('two sessions using the same key never share a record', async () => {
  const key = newKey()
  const alice = sidOf(await post(newKey())) as string
  const bob = sidOf(await post(newKey())) as string
  const before = orders
  const a = await post(key, { sid: alice })
  const b = await post(key, { sid: bob })
  expect(orders).toBe(before + 2)
  expect(JSON.parse(a.body as string).orderId).not.toBe(JSON.parse(b.body as string).orderId)
  expect(b.headers?.['Idempotent-Replayed']).toBeUndefined()
})

test('a first call that changes the session costs two round trips: the lock, then one transaction for the change and the response', async () => {
  const sid = sidOf(await post(newKey())) as string
  bed.calls.reset()
  const before = orders
  const response = await post(newKey(), { sid })
  expect(response.statusCode).toBe(201)
  expect(bed.calls.counts).toEqual({ GetItemCommand: 1, PutItemCommand: 1, TransactWriteItemsCommand: 1 })
  const retried = await post(newKey(), { sid })
  expect(retried.statusCode).toBe(201)
  expect(orders).toBe(before + 2)
})

test('with an idempotency store that can’t join the session write, an unclear session write keeps the key locked', async () => {
  // A store of one's own with the three required methods only: the guard
  // writes the session first, then completes. The session write's answer
  // is lost after DynamoDB applied it (on a client without SDK retries, as
  // `createStoreClient` makes it: the store decides what may be resent).
  const plainStore = {
    acquire: bed.store.acquire.bind(bed.store),
    complete: bed.store.complete.bind(bed.store),
    release: bed.store.release.bind(bed.store),
  }
  const client = createStoreClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  let loseNextUpdate = false
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args)
      if (loseNextUpdate && context.commandName === 'UpdateItemCommand') {
        loseNextUpdate = false
        throw Object.assign(new Error('socket hang up (injected)'), { name: 'TimeoutError', $metadata: {} })
      }
      return result
    },
    { step: 'deserialize', name: 'withSessionsLoseUpdate' },
  )
  try {
    const ownSessions = {
      ...sessions,
      store: new DynamoDBSessionStore({ client, tableName: (sessions.store as DynamoDBSessionStore).tableName }),
    }
    const handler = middy(async (_event: unknown, context: { session: Session }) => {
      orders++
      context.session.append('orders', `order-${orders}`)
      return { statusCode: 201, body: JSON.stringify({ orderId: `order-${orders}` }) }
    })
      .use(httpCookieParser())
      .use(sessionLoader(ownSessions))
      .use(idempotencyGuard({ store: plainStore }))
      .use(sessionSaver(ownSessions))
      .use(httpErrorHandler({ logger: false }))
    const call = async (key: string, sid: string) =>
      (await handler(postEvent({ key, cookies: { sid } }) as never, createLambdaContext() as never)) as HttpResponse
    const sid = sidOf(await post(newKey())) as string
    const key = newKey()
    const before = orders
    loseNextUpdate = true
    expect((await call(key, sid)).statusCode).toBe(503)
    const retry = await call(key, sid)
    expect(retry.statusCode).toBe(409) // still locked: a second run could place the order twice
    expect(retry.headers?.['Retry-After']).toBeDefined()
    expect(orders).toBe(before + 1)
  } finally {
    client.destroy()
  }
})
