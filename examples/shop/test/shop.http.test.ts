import { randomBytes, randomUUID } from 'node:crypto'
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { type RedisServer, startRedisServer } from '@lambda-session/redis-store/testing'
import { createLocalDynamoDBClient } from '@lambda-session/testing'
import { parseSetCookie } from 'cookie'
import { cookieClient } from 'example-local-server/cookie-client'
import { type RunningLocalServer, startLocalServer } from 'example-local-server/harness'
import { Redis } from 'ioredis'
import { SESSION_STORES } from '../src/settings.js'

/**
 * The shop as a user's client sees it: the real local server (`pnpm start`)
 * in a child process, real handlers, a real cookie jar. The same suite runs
 * on each session store `SESSION_STORE` can pick (DynamoDB Local, a
 * redis-server of its own, sealed cookies), with HTTP API (v2) and REST (v1)
 * events. The handlers are the same code on every store; where a store
 * can't do something by design (sealed cookies: revoke a copied cookie,
 * merge parallel requests), the test asserts what the app answers instead.
 */
const cases = SESSION_STORES.flatMap((store) => (['v2', 'v1'] as const).map((format) => [store, format] as const))

describe.each(cases)('the shop over HTTP on SESSION_STORE=%s, %s events', (store, format) => {
  const sessionTable = `shop-sessions-${randomBytes(4).toString('hex')}`
  /** Sealed cookies keep nothing on a server: what they can't do, the app says (`revoked: false`). */
  const serverSide = store !== 'cookie'
  let server: RunningLocalServer
  let dynamodb: DynamoDBClient
  let redisServer: RedisServer | undefined
  let redis: Redis | undefined

  /** Sessions held on the server: proves what was (not) written. Sealed cookies hold none, ever. */
  async function storedSessions(): Promise<number> {
    if (store === 'redis') return (await (redis as Redis).keys('ls:s:*')).length
    if (store === 'cookie') return 0
    const { Count } = await dynamodb.send(new ScanCommand({ TableName: sessionTable, Select: 'COUNT' }))
    return Count ?? 0
  }

  async function signedIn(userId = 'ada') {
    const client = cookieClient(server.url)
    expect((await client.post('/login', { json: { userId } })).status).toBe(200)
    return client
  }

  beforeAll(async () => {
    const env: Record<string, string> = { EVENT_FORMAT: format, SESSION_TABLE: sessionTable, SESSION_STORE: store }
    if (store === 'redis') {
      // A server of this suite's own, so it can count the keys; `pnpm start` would start one itself.
      redisServer = await startRedisServer()
      redis = new Redis(redisServer.port, redisServer.host)
      env.REDIS_URL = redisServer.url
    }
    server = await startLocalServer({ env })
    dynamodb = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
  }, 90_000)

  afterAll(async () => {
    dynamodb?.destroy()
    await server?.stop()
    redis?.disconnect()
    await redisServer?.stop()
  })

  test('a visitor without a session: empty cart, no cookie, nothing written', async () => {
    const before = await storedSessions()
    const visitor = cookieClient(server.url)
    const cart = await visitor.get('/cart')
    expect(cart.status).toBe(200)
    expect(cart.json()).toEqual({ items: [] })
    expect(cart.setCookies).toEqual([])
    expect(cart.headers.get('cache-control')).toBe('no-store')
    expect(await storedSessions()).toBe(before)
  })

  test('login sets an HttpOnly, Secure, SameSite=Lax sid cookie; the cart survives a reload', async () => {
    const client = cookieClient(server.url)
    const login = await client.post('/login', { json: { userId: 'ada' } })
    expect(login.status).toBe(200)
    expect(login.json()).toEqual({ userId: 'ada' })
    expect(login.setCookies).toHaveLength(1)
    const sid = parseSetCookie(login.setCookies[0] as string)
    expect(sid).toMatchObject({ name: 'sid', httpOnly: true, secure: true, sameSite: 'lax', path: '/' })
    expect(sid.maxAge).toBeUndefined() // a browser-session cookie

    const added = await client.post('/cart/items', { json: { sku: 'mug', qty: 2 } })
    expect(added.json()).toEqual({ items: [{ sku: 'mug', qty: 2 }] })
    await client.post('/cart/items', { json: { sku: 'green-tea', qty: 1 } })
    await client.post('/cart/items', { json: { sku: 'mug', qty: 1 } })

    const reload = await client.get('/cart')
    expect(reload.json()).toEqual({
      items: [
        { sku: 'mug', qty: 3 },
        { sku: 'green-tea', qty: 1 },
      ],
    })
    expect(reload.setCookies).toEqual([]) // same session, nothing to re-send
  })

  test('parallel additions from two tabs: all land on a server store; the last answer wins in a cookie', async () => {
    const client = await signedIn()
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client.post('/cart/items', { json: { sku: i % 2 ? 'mug' : 'green-tea', qty: 1 } }),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200))
    const cart = (await client.get('/cart')).json<{ items: Array<{ sku: string; qty: number }> }>()
    if (serverSide) {
      // Atomic appends on the server: no conflict, nothing lost.
      expect(cart.items).toEqual(
        expect.arrayContaining([
          { sku: 'mug', qty: 5 },
          { sku: 'green-tea', qty: 5 },
        ]),
      )
    } else {
      // Each answer seals its own copy of the session: the cookie the browser kept last is the cart.
      expect(cart.items).toEqual([{ sku: expect.stringMatching(/^(mug|green-tea)$/), qty: 1 }])
    }
  })

  test('a cart filled before signing in comes along; the session id changes (fixation defence)', async () => {
    const client = cookieClient(server.url)
    const first = await client.post('/cart/items', { json: { sku: 'pour-over', qty: 1 } })
    expect(first.setCookies).toHaveLength(1) // the first addition creates the session
    const anonymousCookie = await client.cookieHeader()
    await client.post('/login', { json: { userId: 'grace' } })
    expect(await client.cookieHeader()).not.toBe(anonymousCookie)
    expect((await client.get('/cart')).json()).toEqual({ items: [{ sku: 'pour-over', qty: 1 }] })
    const planted = { cookie: anonymousCookie }
    // Whoever planted or saw the pre-login cookie never gets the signed-in session.
    expect((await client.get('/me', planted)).status).toBe(403)
    // A server store retires the old id: it opens nothing. A sealed cookie can't be retired, but it
    // only ever held the anonymous cart.
    expect((await client.get('/cart', planted)).json()).toEqual({
      items: serverSide ? [] : [{ sku: 'pour-over', qty: 1 }],
    })
  })

  test('checkout runs once per Idempotency-Key: a replay gets the same order, marked replayed', async () => {
    const client = await signedIn()
    await client.post('/cart/items', { json: { sku: 'coffee-beans', qty: 2 } })
    const key = randomUUID()

    const first = await client.post('/checkout', { headers: { 'Idempotency-Key': key } })
    expect(first.status).toBe(200)
    const order = first.json<{ orderId: string; items: unknown[] }>()
    expect(order.items).toEqual([{ sku: 'coffee-beans', qty: 2 }])
    expect(first.headers.get('idempotent-replayed')).toBeNull()

    const replay = await client.post('/checkout', { headers: { 'Idempotency-Key': key } })
    expect(replay.status).toBe(200)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(replay.text).toBe(first.text) // byte for byte

    expect((await client.get('/cart')).json()).toEqual({ items: [] })
    expect((await client.get('/orders')).json<{ orders: Array<{ orderId: string }> }>().orders).toEqual([
      expect.objectContaining({ orderId: order.orderId }),
    ])
    // A new key is a new checkout: of an empty cart now.
    const again = await client.post('/checkout', { headers: { 'Idempotency-Key': randomUUID() } })
    expect(again.status).toBe(422)
    expect(again.json()).toEqual({ message: 'The cart is empty.' })
  })

  test('checkout needs a session (401) and an Idempotency-Key (400)', async () => {
    const visitor = cookieClient(server.url)
    const anonymous = await visitor.post('/checkout', { headers: { 'Idempotency-Key': randomUUID() } })
    expect(anonymous.status).toBe(401)
    expect(anonymous.json()).toEqual({ message: expect.stringContaining('No valid session') })

    const client = await signedIn()
    await client.post('/cart/items', { json: { sku: 'mug', qty: 1 } })
    const keyless = await client.post('/checkout')
    expect(keyless.status).toBe(400)
    expect(keyless.headers.get('content-type')).toContain('application/json')
  })

  test('logout expires the cookie; the answer says whether copies of it are revoked too', async () => {
    const client = await signedIn()
    await client.post('/cart/items', { json: { sku: 'mug', qty: 1 } })
    const oldCookie = await client.cookieHeader()

    const logout = await client.post('/logout')
    expect(logout.status).toBe(200)
    expect(logout.json()).toEqual({ loggedOut: true, revoked: serverSide })
    expect(parseSetCookie(logout.setCookies[0] as string)).toMatchObject({ name: 'sid', value: '', maxAge: 0 })
    expect(await client.cookieHeader()).toBe('') // the jar dropped it

    const replayedCookie = { cookie: oldCookie }
    if (!serverSide) {
      // `revoked: false`: nothing on a server can end a sealed session, so a copy of the cookie
      // opens it until its idle timeout. That is the cookie store's documented trade-off.
      expect((await client.get('/cart', replayedCookie)).json()).toEqual({ items: [{ sku: 'mug', qty: 1 }] })
      expect((await client.get('/me', replayedCookie)).json()).toEqual({ userId: 'ada' })
      expect((await client.post('/validate-session', replayedCookie)).json()).toEqual({ valid: true, userId: 'ada' })
      return
    }
    // Revoked: the old cookie is rejected everywhere.
    expect((await client.get('/cart', replayedCookie)).json()).toEqual({ items: [] })
    const checkout = await client.post('/checkout', { ...replayedCookie, headers: { 'Idempotency-Key': randomUUID() } })
    expect(checkout.status).toBe(401)
    expect((await client.get('/me', replayedCookie)).status).toBe(403)
    expect((await client.post('/validate-session', replayedCookie)).status).toBe(401)
  })

  test('GET /me passes the session authorizer only with a live, signed-in session', async () => {
    const visitor = cookieClient(server.url)
    expect((await visitor.get('/me')).status).toBe(401) // no Cookie header: API Gateway refuses before the authorizer
    expect((await visitor.get('/me', { cookie: 'sid=forged.AAAA' })).status).toBe(403)
    await visitor.post('/cart/items', { json: { sku: 'mug', qty: 1 } })
    expect((await visitor.get('/me')).status).toBe(403) // a session, but no user
    const client = await signedIn('linus')
    const me = await client.get('/me')
    expect(me.status).toBe(200)
    expect(me.json()).toEqual({ userId: 'linus' })
  })

  test('the session API on the same store: its sessionId is the cookie value, validated by body', async () => {
    const client = cookieClient(server.url)
    const created = await client.post('/create-session', { json: { userId: 'hopper' } })
    expect(created.status).toBe(200)
    const { sessionId } = created.json<{ sessionId: string }>()
    expect(parseSetCookie(created.setCookies.at(-1) as string)).toMatchObject({ name: 'sid', value: sessionId })
    const stranger = cookieClient(server.url)
    const valid = await stranger.post('/validate-session', { json: { sessionId } })
    expect(valid.json()).toEqual({ valid: true, userId: 'hopper' })
    const deactivated = await stranger.post('/deactivate-session', { json: { sessionId } })
    expect(deactivated.json()).toEqual({ deactivated: true, revoked: serverSide })
    const after = await stranger.post('/validate-session', { json: { sessionId } })
    expect(after.status).toBe(serverSide ? 401 : 200)
  })

  test('bad input gets a clear 4xx in JSON', async () => {
    const client = cookieClient(server.url)
    const cases = [
      [await client.post('/cart/items', { json: { sku: 'caviar', qty: 1 } }), 400],
      [await client.post('/cart/items', { json: { sku: 'mug', qty: 0 } }), 400],
      [await client.post('/cart/items', { json: { sku: 'mug', qty: 100 } }), 400],
      [await client.post('/login', { json: { userId: '' } }), 400],
      [await client.post('/login', { json: {}, headers: { 'content-type': 'text/plain' } }), 415],
    ] as const
    for (const [response, status] of cases) {
      expect(response.status).toBe(status)
      expect(response.json()).toEqual({ message: expect.any(String) })
    }
    // JSON announced, nothing sent: HTTP API omits the body (422 from the parser), REST sends null (400 from the handler).
    const empty = await client.request('POST', '/login', { headers: { 'content-type': 'application/json' } })
    expect(empty.status).toBe(format === 'v2' ? 422 : 400)
    expect(empty.json()).toEqual({ message: expect.any(String) })
  })

  test('GET / serves the page with a CSP that allows only its own script', async () => {
    const page = await cookieClient(server.url).get('/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.text).toContain('<title>lambda-session shop</title>')
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/)
  })

  test('a route the API does not have gets what API Gateway answers', async () => {
    const response = await cookieClient(server.url).get('/nowhere')
    if (format === 'v2') {
      expect(response.status).toBe(404)
      expect(response.json()).toEqual({ message: 'Not Found' })
    } else {
      expect(response.status).toBe(403)
      expect(response.json()).toEqual({ message: 'Missing Authentication Token' })
    }
  })

  test('GET /slow past the route timeout: the watchdog answers 503 with Retry-After, in time', async () => {
    const client = cookieClient(server.url)
    const quick = await client.get('/slow?ms=10')
    expect(quick.status).toBe(200)

    const started = Date.now()
    const slow = await client.get('/slow?ms=5000')
    const elapsed = Date.now() - started
    expect(slow.status).toBe(503)
    expect(slow.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(slow.json()).toEqual({ message: expect.any(String) })
    // A 503 (not the 500 of a function past its timeout) means it came before the 2 s deadline; the
    // time, measured from here, adds the HTTP round trip and the load of a busy test machine.
    expect(elapsed).toBeGreaterThanOrEqual(1400)
    expect(elapsed).toBeLessThan(3000)
  })
})
