import { afterAll, beforeAll, expect, test } from '@jest/globals'
import type { HttpResponse, Session, SessionOptions } from '@lambda-session/core'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
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
