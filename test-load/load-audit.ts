import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { hashSessionId } from '@lambda-session/core'
import { DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
import type { UserLog } from './shop-client.js'

interface StoredItem {
  sku: string
  qty: number
}

interface StoredOrder {
  orderId: string
  items: StoredItem[]
}

/** What the audit of the shop's session table found. */
export interface LoadAudit {
  users: number
  acknowledgedAdditions: number
  /** Units acknowledged to a client but found neither in the cart nor in an order. */
  lostUnits: number
  /** Carts (users) with at least one lost unit. */
  cartsThatLostItems: number
  /** Units stored beyond what was acknowledged (a write applied twice, or one that landed after a failure). */
  extraUnits: number
  ordersPlaced: number
  /** Checkout keys whose answers named more than one order id. */
  keysWithTwoOrders: number
  /** Orders in the table no client was told about, or present twice. */
  strayOrders: number
  /** Order ids a client was given that the table does not hold. */
  missingOrders: number
  /** Session items the store could not read back. */
  unreadableSessions: number
}

function tally(items: readonly StoredItem[], into = new Map<string, number>()): Map<string, number> {
  for (const { sku, qty } of items) into.set(sku, (into.get(sku) ?? 0) + qty)
  return into
}

/**
 * Reads every user's session from the table and checks it against what the
 * clients were told: every acknowledged addition is in the cart or in
 * exactly one order, every order a client got exists once, and no key ever
 * produced two orders.
 */
export async function auditShop(
  client: DynamoDBClient,
  sessionTable: string,
  users: readonly UserLog[],
): Promise<LoadAudit> {
  const store = new DynamoDBSessionStore({ client, tableName: sessionTable })
  const audit: LoadAudit = {
    users: users.length,
    acknowledgedAdditions: 0,
    lostUnits: 0,
    cartsThatLostItems: 0,
    extraUnits: 0,
    ordersPlaced: 0,
    keysWithTwoOrders: 0,
    strayOrders: 0,
    missingOrders: 0,
    unreadableSessions: 0,
  }
  for (const user of users) {
    const record = await store.load(hashSessionId(user.sid.slice(0, user.sid.lastIndexOf('.'))))
    if (!record) {
      audit.unreadableSessions++
      continue
    }
    const cart = (record.data.cart as StoredItem[] | undefined) ?? []
    const orders = (record.data.orders as StoredOrder[] | undefined) ?? []
    const stored = tally(cart)
    for (const order of orders) tally(order.items, stored)
    const acknowledged = tally(user.acknowledged)
    audit.acknowledgedAdditions += user.acknowledged.length
    let lost = 0
    for (const sku of new Set([...stored.keys(), ...acknowledged.keys()])) {
      const difference = (acknowledged.get(sku) ?? 0) - (stored.get(sku) ?? 0)
      if (difference > 0) lost += difference
      else audit.extraUnits -= difference
    }
    audit.lostUnits += lost
    if (lost > 0) audit.cartsThatLostItems++

    const told = new Set(user.checkouts.flatMap((attempt) => attempt.orderIds))
    const inTable = new Map<string, number>()
    for (const order of orders) inTable.set(order.orderId, (inTable.get(order.orderId) ?? 0) + 1)
    audit.ordersPlaced += inTable.size
    audit.keysWithTwoOrders += user.checkouts.filter((attempt) => new Set(attempt.orderIds).size > 1).length
    for (const [orderId, count] of inTable) if (!told.has(orderId) || count > 1) audit.strayOrders++
    for (const orderId of told) if (!inTable.has(orderId)) audit.missingOrders++
  }
  return audit
}
