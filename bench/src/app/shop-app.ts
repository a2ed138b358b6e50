import { randomUUID } from 'node:crypto'
import type { HttpEvent, HttpResponse, Session } from '@lambda-session/core'

/**
 * The handler every benchmark wraps: the routes of the example shop
 * (DESIGN.md's route table) that the scenarios need. Kept free of
 * middleware assumptions (`context.session` may be missing) so the very same
 * function runs as a plain Lambda handler, under bare Middy and under the
 * full chain, and the difference between them is only the wrapping.
 */

export interface CartItem {
  sku: string
  qty: number
  title?: string
}

/** What the app reads from the Lambda context: the session, when `sessionLoader` put one there. */
export interface ShopContext {
  session?: Session
}

function json(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}

function parseBody<T>(event: HttpEvent, fallback: T): T {
  return event.body ? (JSON.parse(event.body) as T) : fallback
}

export async function shopApp(event: HttpEvent, context: ShopContext): Promise<HttpResponse> {
  const session = context.session
  const method = event.requestContext?.http?.method ?? event.httpMethod
  const path = event.rawPath ?? event.path
  const route = `${method} ${path}`

  // Reads the whole session, answers a summary: the response size stays the same whatever the session holds.
  if (route === 'GET /cart') return json(200, { count: session?.get<CartItem[]>('cart')?.length ?? 0 })

  // Replaces one key with the request's value: a one-key write of any size.
  if (route === 'POST /cart') {
    const items = parseBody<CartItem[]>(event, [])
    session?.set('cart', items)
    return json(200, { count: items.length })
  }

  // A small key beside a possibly large cart: the diff-write case.
  if (route === 'POST /cart/note') {
    session?.set('note', parseBody<{ note: string }>(event, { note: '' }).note)
    return json(200, { ok: true })
  }

  // Sign-in: a new id (fixation defence), an owner and a starting cart.
  if (route === 'POST /login') {
    const { userId = 'anonymous', cart = [] } = parseBody<{ userId?: string; cart?: CartItem[] }>(event, {})
    if (session) {
      session.regenerate()
      session.userId = userId
      session.set('cart', cart)
    }
    return json(200, { userId })
  }

  if (route === 'POST /checkout') {
    const count = session?.get<CartItem[]>('cart')?.length ?? 0
    return json(200, { orderId: randomUUID(), count })
  }

  return json(404, { message: 'not found' })
}
