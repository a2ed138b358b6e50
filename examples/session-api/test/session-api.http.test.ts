import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { parseSetCookie } from 'cookie'
import { cookieClient } from 'example-local-server/cookie-client'
import { type RunningLocalServer, startLocalServer } from 'example-local-server/harness'

/**
 * The classic session API over HTTP, on the real local server, with both
 * event formats. `sessionId` is the signed `sid` cookie value, so body and
 * cookie are interchangeable.
 */
describe.each(['v2', 'v1'] as const)('the session API over HTTP, %s events', (format) => {
  let server: RunningLocalServer

  beforeAll(async () => {
    server = await startLocalServer({ env: { EVENT_FORMAT: format } })
  }, 90_000)

  afterAll(() => server?.stop())

  async function created(userId = 'ada') {
    const client = cookieClient(server.url)
    const response = await client.post('/create-session', { json: { userId } })
    expect(response.status).toBe(200)
    return { client, response, sessionId: response.json<{ sessionId: string }>().sessionId }
  }

  test('create-session answers the sessionId and sets the same value as the sid cookie', async () => {
    const { response, sessionId } = await created()
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
    expect(response.setCookies).toHaveLength(1)
    expect(parseSetCookie(response.setCookies[0] as string)).toMatchObject({
      name: 'sid',
      value: sessionId,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    })
  })

  test('validate-session: by body without any cookie, or by the cookie alone', async () => {
    const { client, sessionId } = await created('grace')
    const stranger = cookieClient(server.url)
    const byBody = await stranger.post('/validate-session', { json: { sessionId } })
    expect(byBody.status).toBe(200)
    expect(byBody.json()).toEqual({ valid: true, userId: 'grace' })
    const byCookie = await client.post('/validate-session')
    expect(byCookie.status).toBe(200)
    expect(byCookie.json()).toEqual({ valid: true, userId: 'grace' })
  })

  test('validate-session: 401 {"valid": false} for anything but a live session', async () => {
    const stranger = cookieClient(server.url)
    const { sessionId } = await created()
    const [id, signature] = sessionId.split('.') as [string, string]
    const forgeries: unknown[] = [
      `${id}.${signature.slice(0, -2)}AA`, // tampered signature
      `${'A'.repeat(43)}.${signature}`, // another id under this signature
      'not-a-session-id',
      '',
      42,
      null,
      `${sessionId}; sid=x`,
    ]
    for (const forged of forgeries) {
      const response = await stranger.post('/validate-session', { json: { sessionId: forged } })
      expect({ forged, status: response.status, body: response.json() }).toEqual({
        forged,
        status: 401,
        body: { valid: false },
      })
    }
    expect((await stranger.post('/validate-session')).status).toBe(401) // neither body nor cookie
  })

  test('a body sessionId wins over the cookie', async () => {
    const { client } = await created('first')
    const other = await created('second')
    const response = await client.post('/validate-session', { json: { sessionId: other.sessionId } })
    expect(response.json()).toEqual({ valid: true, userId: 'second' })
  })

  test('deactivate-session: gone for every later request, here, in the shop and at the authorizer', async () => {
    const { client, sessionId } = await created('linus')
    expect((await client.get('/me')).json()).toEqual({ userId: 'linus' })
    const oldCookie = await client.cookieHeader()

    const stranger = cookieClient(server.url)
    const deactivated = await stranger.post('/deactivate-session', { json: { sessionId } })
    expect(deactivated.status).toBe(200)
    expect(deactivated.json()).toEqual({ deactivated: true, revoked: true })

    expect((await stranger.post('/validate-session', { json: { sessionId } })).status).toBe(401)
    expect((await client.post('/validate-session', { cookie: oldCookie })).status).toBe(401)
    expect((await client.get('/me', { cookie: oldCookie })).status).toBe(403)
    expect((await client.post('/checkout', { cookie: oldCookie, headers: { 'Idempotency-Key': 'k-1' } })).status).toBe(
      401,
    )
    // Deactivating again is fine: it is gone either way.
    const again = await stranger.post('/deactivate-session', { json: { sessionId } })
    expect(again.status).toBe(200)
    expect(again.json()).toEqual({ deactivated: false, revoked: false })
  })

  test('deactivate-session by cookie expires the cookie', async () => {
    const { client } = await created()
    const response = await client.post('/deactivate-session')
    expect(response.json()).toEqual({ deactivated: true, revoked: true })
    expect(parseSetCookie(response.setCookies[0] as string)).toMatchObject({ name: 'sid', value: '', maxAge: 0 })
    expect((await client.post('/validate-session')).status).toBe(401)
  })

  test('create-session retires the caller’s previous session and starts empty', async () => {
    const { client, sessionId: first } = await created('ada')
    await client.post('/cart/items', { json: { sku: 'mug', qty: 1 } })
    const second = await client.post('/create-session', { json: { userId: 'bob' } })
    const secondId = second.json<{ sessionId: string }>().sessionId
    expect(secondId).not.toBe(first)
    expect((await client.post('/validate-session', { json: { sessionId: first } })).status).toBe(401)
    expect((await client.get('/cart')).json()).toEqual({ items: [] }) // nothing of ada's carried over to bob
    expect((await client.post('/validate-session')).json()).toEqual({ valid: true, userId: 'bob' })
  })

  test('a session from the API works in the shop: checkout with the cookie', async () => {
    const { client } = await created('shopper')
    await client.post('/cart/items', { json: { sku: 'green-tea', qty: 3 } })
    const checkout = await client.post('/checkout', { headers: { 'Idempotency-Key': `order-${format}` } })
    expect(checkout.status).toBe(200)
    expect(checkout.json()).toMatchObject({ items: [{ sku: 'green-tea', qty: 3 }] })
  })

  test('bad input: 400 for a bad userId, 415 for a body that is not JSON', async () => {
    const client = cookieClient(server.url)
    const badUser = await client.post('/create-session', { json: { userId: 'a b' } })
    expect(badUser.status).toBe(400)
    expect(badUser.json()).toEqual({ message: expect.any(String) })
    const notJson = await client.post('/create-session', { json: {}, headers: { 'content-type': 'text/plain' } })
    expect(notJson.status).toBe(415)
    expect(notJson.json()).toEqual({ message: 'Unsupported Media Type' })
  })
})
