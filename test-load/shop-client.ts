import { randomUUID } from 'node:crypto'
import { cookieClient } from '../examples/local-server/src/cookie-client.ts'

/** What the shop sells (its catalogue's SKUs). */
export const SKUS = ['coffee-beans', 'green-tea', 'mug', 'pour-over'] as const

/** One HTTP request of the load test, as the client saw it. */
export interface LoadRequest {
  kind: 'login' | 'add' | 'read-cart' | 'read-orders' | 'checkout'
  status: number
  ms: number
}

/** An addition the shop acknowledged with a 200. */
export interface AcknowledgedAddition {
  sku: string
  qty: number
}

/** A checkout key and every answer it got (each retry and each double click). */
export interface CheckoutAttempt {
  key: string
  orderIds: string[]
  statuses: number[]
}

/** What one user (two tabs sharing a session) did and was told. */
export interface UserLog {
  userId: string
  /** The signed `sid` both tabs share. */
  sid: string
  requests: LoadRequest[]
  acknowledged: AcknowledgedAddition[]
  checkouts: CheckoutAttempt[]
}

type Client = ReturnType<typeof cookieClient>

/** Sends one request and times it; a network failure is status 0. */
export async function timed(
  log: UserLog,
  kind: LoadRequest['kind'],
  send: () => ReturnType<Client['request']>,
): Promise<Awaited<ReturnType<Client['request']>> | undefined> {
  const started = performance.now()
  try {
    const response = await send()
    log.requests.push({ kind, status: response.status, ms: performance.now() - started })
    return response
  } catch {
    log.requests.push({ kind, status: 0, ms: performance.now() - started })
    return undefined
  }
}

/** Signs a user in from one tab and gives the second tab the same cookie. */
export async function openUser(baseUrl: string, userId: string) {
  const tabs = [cookieClient(baseUrl), cookieClient(baseUrl)] as const
  const log: UserLog = { userId, sid: '', requests: [], acknowledged: [], checkouts: [] }
  const login = await timed(log, 'login', () => tabs[0].post('/login', { json: { userId } }))
  const setCookie = login?.setCookies.find((cookie) => cookie.startsWith('sid='))
  if (login?.status !== 200 || !setCookie) throw new Error(`login failed for ${userId}: ${login?.status}`)
  await tabs[1].jar.setCookie(setCookie, `${baseUrl}/`)
  log.sid = decodeURIComponent(setCookie.slice(4, setCookie.indexOf(';')))
  return { tabs, log }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A checkout as a careful client does it, double-clicked: the same key sent
 * twice at once, each copy retried on 409 (in progress, or a cart change
 * raced it) after a short wait, until it is answered for good.
 */
export async function doubleClickCheckout(tab: Client, log: UserLog): Promise<void> {
  const attempt: CheckoutAttempt = { key: randomUUID(), orderIds: [], statuses: [] }
  log.checkouts.push(attempt)
  const once = async () => {
    for (let tries = 0; tries < 50; tries++) {
      const response = await timed(log, 'checkout', () =>
        tab.post('/checkout', { headers: { 'Idempotency-Key': attempt.key } }),
      )
      const status = response?.status ?? 0
      attempt.statuses.push(status)
      if (status === 200) attempt.orderIds.push(response?.json<{ orderId: string }>().orderId as string)
      if (status !== 409 && status !== 503 && status !== 0) return
      await sleep(50 + Math.random() * 100)
    }
  }
  await Promise.all([once(), once()])
}
