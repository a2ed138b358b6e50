import type { Session } from '@lambda-session/core'

/** One line of the cart as the API shows it. */
export interface CartItem {
  sku: string
  qty: number
}

/** An order as checkout returns it and the session keeps it. */
export interface Order {
  orderId: string
  items: CartItem[]
  /** Epoch ms. */
  placedAt: number
}

/** What the shop sells (the page shows names and prices; the API deals in SKUs). */
export const CATALOG: Readonly<Record<string, { name: string; priceCents: number }>> = {
  'coffee-beans': { name: 'Coffee beans, 1 kg', priceCents: 1800 },
  'green-tea': { name: 'Green tea, 100 g', priceCents: 650 },
  mug: { name: 'Enamel mug', priceCents: 1200 },
  'pour-over': { name: 'Pour-over dripper', priceCents: 2400 },
}

/** Session keys. `cart` holds every addition in order; quantities are summed when read. */
export const CART_KEY = 'cart'
export const ORDERS_KEY = 'orders'

/** Additions a cart may hold before it refuses more (keeps the session item small). */
export const MAX_CART_ADDITIONS = 100
export const MAX_QTY = 99

/**
 * Validates a `POST /cart/items` body. Returns the addition, or the reason
 * it is refused.
 */
export function parseAddition(body: unknown): CartItem | string {
  if (typeof body !== 'object' || body === null) return 'Send a JSON object: {"sku": "mug", "qty": 1}.'
  const { sku, qty = 1 } = body as { sku?: unknown; qty?: unknown }
  if (typeof sku !== 'string' || !Object.hasOwn(CATALOG, sku)) {
    return `Unknown sku; one of: ${Object.keys(CATALOG).join(', ')}.`
  }
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
    return `qty must be a whole number from 1 to ${MAX_QTY}.`
  }
  return { sku, qty }
}

/**
 * The cart's items, one per SKU in the order first added. Additions are
 * stored with `session.append()`, an atomic list append in DynamoDB, so two
 * tabs adding at the same moment both land; summing here merges them.
 */
export function cartItems(session: Session): CartItem[] {
  const additions = session.get<CartItem[]>(CART_KEY) ?? []
  const bySku = new Map<string, number>()
  for (const { sku, qty } of additions) bySku.set(sku, Math.min((bySku.get(sku) ?? 0) + qty, MAX_QTY))
  return [...bySku].map(([sku, qty]) => ({ sku, qty }))
}

/** The orders placed in this session, newest last. */
export function orders(session: Session): Order[] {
  return session.get<Order[]>(ORDERS_KEY) ?? []
}
