import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { type HttpResponse, hashSessionId, type Session, type SessionOptions } from '@lambda-session/core'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { RedisIdempotencyStore, RedisSessionStore } from '@lambda-session/redis-store'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { buildHttpEvent, createLambdaContext } from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { parseSetCookie } from 'cookie'
import { createRedisTestbed, type RedisTestbed } from './helpers.js'

// The whole stack a user deploys, on the Redis stores: cookie parser,
// loader, idempotency guard, saver, error handler, in the documented order.
let bed: RedisTestbed
let sessionStore: RedisSessionStore
let app: ReturnType<typeof buildApp>
let orders = 0
/** Lets a test hold one request inside its handler while others run. */
let gate: Promise<void> | undefined

beforeAll(async () => {
  bed = await createRedisTestbed()
  sessionStore = new RedisSessionStore({ client: bed.client })
  const sessions: SessionOptions = { store: sessionStore, secrets: ['redis-chain-secret-0123456789abcdefghij'] }
  app = buildApp(sessions, new RedisIdempotencyStore({ client: bed.client }))
})
beforeEach(() => bed.commands.reset())
afterAll(() => bed.close())

function buildApp(sessions: SessionOptions, idempotencyStore: RedisIdempotencyStore) {
  return middy(async (event: { routeKey: string; body?: string }, context: { session: Session }) => {
    const session = context.session
    const body = event.body ? (JSON.parse(event.body) as Record<string, string>) : {}
    switch (event.routeKey) {
      case 'POST /login':
        session.regenerate()
        session.userId = body.userId
        return json({ userId: body.userId })
      case 'POST /cart/items':
        if (gate) await gate
        session.append('cart', { sku: body.sku })
        return json({ items: session.get('cart') })
      case 'GET /cart':
        return json({ items: session.get('cart') ?? [] })
      case 'POST /checkout': {
        orders++
        const orderId = `order-${orders}`
        session.append('orders', orderId)
        return json({ orderId })
      }
      case 'POST /logout':
        session.destroy()
        return json({ ok: true })
      default:
        return { statusCode: 404, body: '' }
    }
  })
    .use(httpCookieParser())
    .use(sessionLoader(sessions))
    .use(idempotencyGuard({ store: idempotencyStore }))
    .use(sessionSaver(sessions))
    .use(httpErrorHandler({ logger: false }))
}

const json = (value: unknown) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(value),
})

interface Request {
  method?: string
  path: string
  sid?: string | undefined
  body?: object
  key?: string
}

async function send({ method = 'POST', path, sid, body, key }: Request): Promise<HttpResponse> {
  const event = buildHttpEvent('http-api-v2', {
    method,
    path,
    ...(body ? { body } : {}),
    ...(sid ? { cookies: { sid } } : {}),
    headers: key ? { 'Idempotency-Key': key } : {},
  })
  return (await app(event as never, createLambdaContext() as never)) as HttpResponse
}

/** The `sid` a response sets: its value, '' when it expires the cookie, undefined when it sets none. */
const sidOf = (response: HttpResponse) =>
  (response.cookies ?? []).map((raw) => parseSetCookie(raw)).find((cookie) => cookie.name === 'sid')?.value

const bodyOf = (response: HttpResponse) => JSON.parse(response.body as string)

/** The session id inside a signed cookie value (`id.signature`). */
const idOf = (sid: string | undefined) => (sid as string).slice(0, (sid as string).lastIndexOf('.'))
/** Where the store keeps that session: under the id's hash, never the id. */
const storedKeyOf = (sid: string | undefined) => `ls:s:${hashSessionId(idOf(sid))}`

test('a visitor without a cookie reads an empty cart: no store call, no cookie', async () => {
  const response = await send({ method: 'GET', path: '/cart' })
  expect(bodyOf(response)).toEqual({ items: [] })
  expect(sidOf(response)).toBeUndefined()
  expect(bed.commands.total()).toBe(0)
})

test('the first add creates the session (one script), each later request is one HGETALL plus one script', async () => {
  const first = await send({ path: '/cart/items', body: { sku: 'A1' } })
  const sid = sidOf(first)
  expect(sid).toBeTruthy()
  expect(bed.commands.counts).toEqual({ evalsha: 1 })

  bed.commands.reset()
  const second = await send({ path: '/cart/items', body: { sku: 'B2' }, sid })
  expect(bodyOf(second)).toEqual({ items: [{ sku: 'A1' }, { sku: 'B2' }] })
  expect(bed.commands.counts).toEqual({ hgetall: 1, evalsha: 1 })

  bed.commands.reset()
  expect(bodyOf(await send({ method: 'GET', path: '/cart', sid }))).toEqual({ items: [{ sku: 'A1' }, { sku: 'B2' }] })
  expect(bed.commands.counts).toEqual({ hgetall: 1 })

  // Redis holds the id's hash only: the cookie's id appears in no key.
  expect(await bed.admin.exists(storedKeyOf(sid))).toBe(1)
  for (const stored of await bed.admin.keys('*')) expect(stored).not.toContain(idOf(sid))
})

test('20 parallel adds on one session all land', async () => {
  const sid = sidOf(await send({ path: '/cart/items', body: { sku: 'first' } }))
  await Promise.all(
    Array.from({ length: 20 }, (_, index) => send({ path: '/cart/items', body: { sku: `P${index}` }, sid })),
  )
  const items = bodyOf(await send({ method: 'GET', path: '/cart', sid })).items as { sku: string }[]
  expect(items).toHaveLength(21)
  expect(new Set(items.map((item) => item.sku)).size).toBe(21)
})

describe('checkout with an Idempotency-Key', () => {
  test('runs once; the replay is byte-identical, marked, and costs one session read plus one script', async () => {
    const sid = sidOf(await send({ path: '/cart/items', body: { sku: 'A1' } }))
    const before = orders
    bed.commands.reset()
    const first = await send({ path: '/checkout', sid, key: 'key-once', body: { pay: 1 } })
    expect(first.statusCode).toBe(200)
    // session read, acquire, then the session write and the completion in one script
    expect(bed.commands.counts).toEqual({ hgetall: 1, evalsha: 2 })

    bed.commands.reset()
    const replay = await send({ path: '/checkout', sid, key: 'key-once', body: { pay: 1 } })
    expect(bed.commands.counts).toEqual({ hgetall: 1, evalsha: 1 })
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true')
    expect(replay.body).toBe(first.body)
    expect(orders).toBe(before + 1)

    const mismatch = await send({ path: '/checkout', sid, key: 'key-once', body: { pay: 2 } })
    expect(mismatch.statusCode).toBe(422)
  })

  test('an order appended to the session under the guard lands with the stored response: one order, however often retried', async () => {
    const sid = sidOf(await send({ path: '/cart/items', body: { sku: 'A1' } }))
    const before = orders
    bed.commands.reset()
    const first = await send({ path: '/checkout', sid, key: 'key-joint', body: { pay: 3 } })
    expect(first.statusCode).toBe(200)
    expect(bed.commands.counts).toEqual({ hgetall: 1, evalsha: 2 })
    const stored = await bed.admin.hgetall(storedKeyOf(sid))
    expect(JSON.parse(stored['d:orders'] as string)).toEqual([bodyOf(first).orderId])
    // The stored response landed in the same script: a completed record holds it.
    const responses = await Promise.all((await bed.admin.keys('ls:i:*')).map((key) => bed.admin.hget(key, 'response')))
    expect(responses.some((text) => text !== null && JSON.parse(text).body === first.body)).toBe(true)

    for (let attempt = 0; attempt < 3; attempt++) {
      const retry = await send({ path: '/checkout', sid, key: 'key-joint', body: { pay: 3 } })
      expect(retry.headers?.['Idempotent-Replayed']).toBe('true')
      expect(retry.body).toBe(first.body)
    }
    expect(orders).toBe(before + 1)
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid }))).toEqual({ items: [{ sku: 'A1' }] })
    expect(JSON.parse((await bed.admin.hget(storedKeyOf(sid), 'd:orders')) as string)).toEqual([bodyOf(first).orderId])
  })

  test('10 concurrent checkouts with one key run the handler exactly once', async () => {
    const sid = sidOf(await send({ path: '/cart/items', body: { sku: 'A1' } }))
    const before = orders
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => send({ path: '/checkout', sid, key: 'key-race', body: {} })),
    )
    expect(orders).toBe(before + 1)
    const ran = responses.filter(
      (response) => response.statusCode === 200 && !response.headers?.['Idempotent-Replayed'],
    )
    expect(ran).toHaveLength(1)
    for (const response of responses) expect([200, 409]).toContain(response.statusCode)
  })
})

describe('login, logout and revocation', () => {
  test('login regenerates the id: the old cookie no longer reaches the session', async () => {
    const anonymous = sidOf(await send({ path: '/cart/items', body: { sku: 'A1' } }))
    const login = await send({ path: '/login', sid: anonymous, body: { userId: 'alice' } })
    const sid = sidOf(login)
    expect(sid).toBeTruthy()
    expect(sid).not.toBe(anonymous)
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid }))).toEqual({ items: [{ sku: 'A1' }] })
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid: anonymous }))).toEqual({ items: [] })
  })

  test('logout ends the session; a request that loaded it before cannot bring it back', async () => {
    const sid = sidOf(await send({ path: '/cart/items', body: { sku: 'A1' } }))
    let open: () => void = () => {}
    gate = new Promise((resolve) => {
      open = resolve
    })
    const late = send({ path: '/cart/items', body: { sku: 'late' }, sid }) // loads, then waits at the gate
    await new Promise((resolve) => setTimeout(resolve, 50))
    gate = undefined
    const logout = await send({ path: '/logout', sid })
    expect(sidOf(logout)).toBe('')
    open()
    expect(sidOf(await late)).toBe('') // its write found the session gone: dropped, cookie expired
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid }))).toEqual({ items: [] })
    expect(await bed.admin.exists(storedKeyOf(sid))).toBe(0)
  })

  test('destroyUserSessions signs a user out everywhere', async () => {
    const laptop = sidOf(await send({ path: '/login', body: { userId: 'bob' } }))
    const phone = sidOf(await send({ path: '/login', body: { userId: 'bob' } }))
    const other = sidOf(await send({ path: '/login', body: { userId: 'carol' } }))
    await send({ path: '/cart/items', body: { sku: 'X' }, sid: laptop })
    await send({ path: '/cart/items', body: { sku: 'Y' }, sid: other })

    expect(await sessionStore.destroyUserSessions('bob')).toBe(2)
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid: laptop }))).toEqual({ items: [] })
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid: phone }))).toEqual({ items: [] })
    expect(bodyOf(await send({ method: 'GET', path: '/cart', sid: other }))).toEqual({ items: [{ sku: 'Y' }] })
  })
})

test('when Redis goes away, requests get a 503 with Retry-After, not a 500 or a hang', async () => {
  const sid = sidOf(await send({ path: '/cart/items', body: { sku: 'A1' } }))
  bed.client.on('error', () => {}) // reconnection failures, expected from here on
  await bed.server.stop()
  const started = Date.now()
  for (const request of [
    { method: 'GET', path: '/cart', sid },
    { path: '/cart/items', body: { sku: 'B' } },
    { path: '/checkout', sid, key: 'key-outage', body: {} },
  ]) {
    const response = await send(request)
    expect(response.statusCode).toBe(503)
    expect(response.headers?.['Retry-After']).toBe('1')
  }
  expect(Date.now() - started).toBeLessThan(10_000) // a failed reconnection each, not a hang
})
