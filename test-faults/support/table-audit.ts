import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { hashSessionId, type SessionRecord, type SessionStore } from '@lambda-session/core'
import type { BurstRequest } from './burst.js'

/** Every item of a table (a consistent scan, page by page). */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = []
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    )
    items.push(...(page.Items ?? []))
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return items
}

/** The id hash a signed `sid` value is stored under. */
export function idHashOfSid(sid: string): string {
  return hashSessionId(sid.slice(0, sid.lastIndexOf('.')))
}

/** What the audit of the session table found. */
export interface SessionAudit {
  sessionItems: number
  /** Items the store can't read back (half-written or corrupted). */
  unreadable: number
  /** Keys in `data` without a version: a write that bypassed the version counter. */
  unversionedKeys: number
  /** 200-acknowledged cart additions and orders that are missing. */
  lostAcknowledged: number
  /** Additions or orders present more than once: one request applied twice. */
  appliedTwice: number
  /** Writes whose request answered 503 but which landed (ambiguous outcomes, each at most once). */
  landedAfter503: number
  /** Entries nobody asked for. */
  unknownEntries: number
  /** Idempotency keys that ended with more than one order in the session. */
  keysWithSeveralOrders: number
}

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return counts
}

/**
 * Reads every user's session through the store and checks it against what
 * the clients were told: every acknowledged write present exactly once,
 * nothing applied twice, nothing unknown, every item readable.
 */
export async function auditSessions(
  client: DynamoDBClient,
  sessionTable: string,
  store: SessionStore,
  requests: readonly BurstRequest[],
): Promise<SessionAudit> {
  const items = await scanAll(client, sessionTable)
  const audit: SessionAudit = {
    sessionItems: items.length,
    unreadable: 0,
    unversionedKeys: 0,
    lostAcknowledged: 0,
    appliedTwice: 0,
    landedAfter503: 0,
    unknownEntries: 0,
    keysWithSeveralOrders: 0,
  }
  const records = new Map<string, SessionRecord>()
  for (const item of items) {
    const idHash = item.pk?.S as string
    const record = await store.load(idHash)
    if (!record) {
      audit.unreadable++
      continue
    }
    records.set(idHash, record)
    audit.unversionedKeys += Object.keys(record.data).filter(
      (key) => !(record.versions[key] && record.versions[key] > 0),
    ).length
  }
  const bySession = new Map<string, BurstRequest[]>()
  for (const request of requests) {
    if (!request.sid || request.kind === 'read') continue
    const idHash = idHashOfSid(request.sid)
    bySession.set(idHash, [...(bySession.get(idHash) ?? []), request])
  }
  for (const [idHash, sent] of bySession) {
    const data = records.get(idHash)?.data ?? {}
    const cart = tally((data.cart as string[] | undefined) ?? [])
    const orders = (data.orders as string[] | undefined) ?? []
    const orderKeys = tally(orders.map((entry) => entry.split(':')[0] as string))
    const orderIds = tally(orders.map((entry) => entry.split(':')[1] as string))
    const asked = new Set(sent.map((request) => request.token))
    const acknowledgedOrders = new Set(sent.flatMap((request) => (request.orderId ? [request.orderId] : [])))
    for (const request of sent) {
      if (request.kind === 'add') {
        const count = cart.get(request.token) ?? 0
        if (request.outcome === 200 && count === 0) audit.lostAcknowledged++
        if (request.outcome !== 200 && count > 0) audit.landedAfter503++
      } else if (request.outcome === 200 && !orderIds.has(request.orderId ?? '')) audit.lostAcknowledged++
    }
    for (const [token, count] of cart) {
      if (!asked.has(token)) audit.unknownEntries++
      if (count > 1) audit.appliedTwice++
    }
    for (const [orderId, count] of orderIds) {
      if (count > 1) audit.appliedTwice++
      if (!acknowledgedOrders.has(orderId)) audit.landedAfter503++
    }
    for (const [key, count] of orderKeys) {
      if (!asked.has(key)) audit.unknownEntries++
      if (count > 1) audit.keysWithSeveralOrders++
    }
  }
  return audit
}

/** What the audit of the idempotency table found. */
export interface IdempotencyAudit {
  records: number
  completed: number
  inProgress: number
  /** Records neither completed with a replayable response nor in progress. */
  malformed: number
  /** In-progress locks that outlive `lockBound` (they would block a key for long). */
  locksBeyondBound: number
}

/** Checks every idempotency record: completed with a replayable response, or a lock that lapses by `lockBound`. */
export async function auditIdempotency(
  client: DynamoDBClient,
  idempotencyTable: string,
  lockBound: number,
): Promise<IdempotencyAudit> {
  const items = await scanAll(client, idempotencyTable)
  const audit: IdempotencyAudit = {
    records: items.length,
    completed: 0,
    inProgress: 0,
    malformed: 0,
    locksBeyondBound: 0,
  }
  for (const item of items) {
    const status = item.status?.S
    if (status === 'COMPLETED') {
      try {
        const response = JSON.parse(item.response?.S ?? '') as { statusCode?: unknown }
        if (typeof response.statusCode === 'number') audit.completed++
        else audit.malformed++
      } catch {
        audit.malformed++
      }
    } else if (status === 'IN_PROGRESS' && item.lockExpiresAt?.N) {
      audit.inProgress++
      if (Number(item.lockExpiresAt.N) > lockBound) audit.locksBeyondBound++
    } else audit.malformed++
  }
  return audit
}
