import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { estimateValueBytes, type SessionRecord } from '@lambda-session/core'
import { MAX_VALUE_NESTING, toSessionValueAttribute } from './session-value-attributes.js'

/**
 * Attribute names of a session item. Short names keep every item and every
 * update expression small; `ttl` is the attribute the table's TTL watches.
 *
 * @example
 * ```ts
 * const key = { [SESSION_ATTRIBUTES.id]: { S: idHash } }
 * ```
 */
export const SESSION_ATTRIBUTES = {
  /** Partition key (S): the SHA-256 hash of the session id, never the id. */
  id: 'pk',
  /** Session data (M): one member per session key. */
  data: 'data',
  /** Per-key write counters (M of N). They survive deletes, as tombstones. */
  versions: 'ver',
  /** Creation time (N, epoch ms). */
  createdAt: 'createdAt',
  /** Last time the session was seen (N, epoch ms). */
  lastSeenAt: 'lastSeenAt',
  /** Latest expiry (N, epoch ms). */
  expiresAt: 'expiresAt',
  /** DynamoDB TTL attribute (N, epoch seconds): lets DynamoDB clean up expired items. */
  ttl: 'ttl',
  /** Owner (S, optional): the partition key of {@link SESSION_USER_INDEX}. */
  userId: 'userId',
} as const

/**
 * Name of the keys-only global secondary index on `userId`, used to revoke
 * every session of a user.
 *
 * @default 'userId-index'
 * @example
 * ```ts
 * new QueryCommand({ TableName, IndexName: SESSION_USER_INDEX, KeyConditionExpression: 'userId = :u', … })
 * ```
 */
export const SESSION_USER_INDEX = 'userId-index'

/**
 * DynamoDB has no empty attribute names, so an empty session key can't be stored.
 *
 * @internal
 * @example
 * ```ts
 * checkKey('') // throws TypeError
 * ```
 */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new TypeError('Session keys must be non-empty strings.')
  if (!key.isWellFormed()) throw new TypeError('Session keys must not hold a lone UTF-16 surrogate.')
}

/**
 * One stored attribute back to its JSON value, the way `JSON.parse` builds
 * objects: every member is an own data property, so a member named
 * `__proto__` stays a key instead of replacing the object's prototype (which
 * the SDK's `unmarshall` does by plain assignment).
 */
function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S
  if (value.N !== undefined) return Number(value.N)
  if (value.BOOL !== undefined) return value.BOOL
  if (value.L !== undefined) return value.L.map(fromAttributeValue)
  if (value.M !== undefined) return fromAttributeMap(value.M)
  return null
}

function fromAttributeMap(map: Record<string, AttributeValue>): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const [member, value] of Object.entries(map)) {
    Object.defineProperty(object, member, {
      value: fromAttributeValue(value),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return object
}

/**
 * Converts one JSON session value to a DynamoDB attribute value; `key` names
 * it in the `TypeError` thrown, before any request, for a value DynamoDB
 * can't store (see `toSessionValueAttribute`). `maxNesting` is the levels of
 * arrays and objects it may nest: {@link MAX_VALUE_NESTING} for a value
 * stored under its key, one less for an element appended to a key's list.
 *
 * @internal
 * @example
 * ```ts
 * toAttributeValue({ sku: 'A1' }, 'cart') // { M: { sku: { S: 'A1' } } }
 * ```
 */
export function toAttributeValue(value: unknown, key: string, maxNesting = MAX_VALUE_NESTING): AttributeValue {
  return toSessionValueAttribute(value, key, maxNesting)
}

/**
 * The TTL attribute for an expiry: epoch seconds, rounded up so DynamoDB never deletes early.
 *
 * @internal
 * @example
 * ```ts
 * ttlSeconds(1_700_000_000_001) // 1_700_000_001
 * ```
 */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000)
}

function numberAttribute(value: number): AttributeValue {
  return { N: String(value) }
}

/**
 * The key of a session item.
 *
 * @internal
 * @example
 * ```ts
 * sessionKey(idHash) // { pk: { S: idHash } }
 * ```
 */
export function sessionKey(idHash: string): Record<string, AttributeValue> {
  return { [SESSION_ATTRIBUTES.id]: { S: idHash } }
}

/**
 * Turns a record into the item `create` and `replace` write (layout in the README).
 *
 * @internal
 * @example
 * ```ts
 * new PutItemCommand({ TableName, Item: toSessionItem(record) })
 * ```
 */
export function toSessionItem(record: SessionRecord): Record<string, AttributeValue> {
  const versions: Record<string, AttributeValue> = {}
  for (const [key, version] of Object.entries(record.versions)) versions[key] = numberAttribute(version)
  const data: Record<string, AttributeValue> = {}
  for (const [key, value] of Object.entries(record.data)) {
    checkKey(key)
    if (value !== undefined) data[key] = toAttributeValue(value, key)
  }
  const item: Record<string, AttributeValue> = {
    ...sessionKey(record.idHash),
    [SESSION_ATTRIBUTES.data]: { M: data },
    [SESSION_ATTRIBUTES.versions]: { M: versions },
    [SESSION_ATTRIBUTES.createdAt]: numberAttribute(record.createdAt),
    [SESSION_ATTRIBUTES.lastSeenAt]: numberAttribute(record.lastSeenAt),
    [SESSION_ATTRIBUTES.expiresAt]: numberAttribute(record.expiresAt),
    [SESSION_ATTRIBUTES.ttl]: numberAttribute(ttlSeconds(record.expiresAt)),
  }
  if (record.userId !== undefined) item[SESSION_ATTRIBUTES.userId] = { S: record.userId }
  return item
}

/**
 * Estimated stored size of a record's item in bytes (attribute names
 * included), errs slightly high like core's `estimateValueBytes`.
 *
 * @internal
 * @example
 * ```ts
 * if (estimateSessionItemBytes(record) > DYNAMODB_MAX_ITEM_BYTES) throw new SessionTooLargeError(…)
 * ```
 */
export function estimateSessionItemBytes(record: SessionRecord): number {
  const { idHash, versions, data, ...rest } = record
  return estimateValueBytes({ ...rest, pk: idHash, data, ver: versions, ttl: ttlSeconds(record.expiresAt) })
}

/** Result of reading an item back: a record, or why the item can't be one. @internal */
export type ParsedSessionItem = { ok: true; record: SessionRecord } | { ok: false; reason: string }

function readNumber(item: Record<string, AttributeValue>, name: string): number | undefined {
  const text = item[name]?.N
  if (text === undefined) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

function isJsonAttribute(value: AttributeValue): boolean {
  if (value.S !== undefined || value.BOOL !== undefined || value.NULL !== undefined) return true
  if (value.N !== undefined) return Number.isFinite(Number(value.N))
  if (value.L !== undefined) return value.L.every(isJsonAttribute)
  if (value.M !== undefined) return Object.values(value.M).every(isJsonAttribute)
  return false
}

/**
 * Reads a stored item back into a record. Anything unexpected (a missing
 * attribute, a wrong type) makes it malformed instead of throwing: a bad item
 * must read as "no session", never as a 500 or as somebody else's data.
 *
 * @internal
 * @example
 * ```ts
 * const parsed = parseSessionItem(output.Item, idHash)
 * if (!parsed.ok) logger.warn('malformed session item', { reason: parsed.reason })
 * ```
 */
export function parseSessionItem(item: Record<string, AttributeValue>, idHash: string): ParsedSessionItem {
  if (item[SESSION_ATTRIBUTES.id]?.S !== idHash) return { ok: false, reason: 'partition key mismatch' }
  const dataMap = item[SESSION_ATTRIBUTES.data]?.M
  if (!dataMap) return { ok: false, reason: `'${SESSION_ATTRIBUTES.data}' is not a map` }
  const versionMap = item[SESSION_ATTRIBUTES.versions]?.M
  if (!versionMap) return { ok: false, reason: `'${SESSION_ATTRIBUTES.versions}' is not a map` }

  const versions: Record<string, number> = {}
  for (const [key, value] of Object.entries(versionMap)) {
    const version = value.N === undefined ? Number.NaN : Number(value.N)
    if (!Number.isSafeInteger(version) || version < 0) return { ok: false, reason: 'a key version is not a count' }
    versions[key] = version
  }

  const createdAt = readNumber(item, SESSION_ATTRIBUTES.createdAt)
  const lastSeenAt = readNumber(item, SESSION_ATTRIBUTES.lastSeenAt)
  const expiresAt = readNumber(item, SESSION_ATTRIBUTES.expiresAt)
  if (createdAt === undefined || lastSeenAt === undefined || expiresAt === undefined) {
    return { ok: false, reason: 'a timestamp is missing or not a number' }
  }

  const userIdValue = item[SESSION_ATTRIBUTES.userId]
  if (userIdValue !== undefined && !userIdValue.S)
    return { ok: false, reason: `'${SESSION_ATTRIBUTES.userId}' is not a string` }

  // Binary and set values (never written by this store) would reach the
  // handler as non-JSON objects, so they make the item malformed too.
  if (!Object.values(dataMap).every(isJsonAttribute)) {
    return { ok: false, reason: `'${SESSION_ATTRIBUTES.data}' holds a value JSON can't represent` }
  }
  const data = fromAttributeMap(dataMap)

  const record: SessionRecord = { idHash, data, versions, createdAt, lastSeenAt, expiresAt }
  if (userIdValue?.S) record.userId = userIdValue.S
  return { ok: true, record }
}
