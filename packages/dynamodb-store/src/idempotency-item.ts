import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import {
  type CheckedIdempotencyRecord,
  checkIdempotencyRecord,
  type IdempotencyRecord,
  IdempotencyStatus,
} from '@lambda-session/core'
import { ttlSeconds } from './session-item.js'

/**
 * Attribute names of an idempotency item. `ttl` is the attribute the
 * table's TTL watches; every expression refers to them through `#`
 * placeholders, because `status`, `response` and `ttl` are DynamoDB
 * reserved words.
 *
 * @example
 * ```ts
 * const key = { [IDEMPOTENCY_ATTRIBUTES.keyHash]: { S: keyHash } }
 * ```
 */
export const IDEMPOTENCY_ATTRIBUTES = {
  /** Partition key (S): the hash of the scoped key, never the client's key. */
  keyHash: 'pk',
  /** `IN_PROGRESS` or `COMPLETED` (S). */
  status: 'status',
  /** Hash of the request payload (S). */
  fingerprint: 'fingerprint',
  /** Token of the request that holds (or held) the lock (S). */
  lockToken: 'lockToken',
  /** When the in-progress lock lapses (N, epoch ms). */
  lockExpiresAt: 'lockExpiresAt',
  /** When the record may be forgotten (N, epoch ms): enforced by the conditions, not by TTL. */
  expiresAt: 'expiresAt',
  /** DynamoDB TTL attribute (N, epoch seconds): lets DynamoDB clean up expired records. */
  ttl: 'ttl',
  /** The stored response, JSON text (S); only on completed records. */
  response: 'response',
} as const

/**
 * `#name` placeholders for every attribute, for `ExpressionAttributeNames`.
 *
 * @internal
 * @example
 * ```ts
 * new DeleteItemCommand({ …, ConditionExpression: '#lockToken = :token', ExpressionAttributeNames: IDEMPOTENCY_NAMES })
 * ```
 */
export const IDEMPOTENCY_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(IDEMPOTENCY_ATTRIBUTES).map(([field, attribute]) => [`#${field}`, attribute]),
)

/**
 * The key of an idempotency item.
 *
 * @internal
 * @example
 * ```ts
 * idempotencyKey(keyHash) // { pk: { S: keyHash } }
 * ```
 */
export function idempotencyKey(keyHash: string): Record<string, AttributeValue> {
  return { [IDEMPOTENCY_ATTRIBUTES.keyHash]: { S: keyHash } }
}

/**
 * The item `acquire` writes: an in-progress record, no response yet.
 *
 * @internal
 * @example
 * ```ts
 * new PutItemCommand({ TableName, Item: toIdempotencyItem(record) })
 * ```
 */
export function toIdempotencyItem(record: IdempotencyRecord): Record<string, AttributeValue> {
  return {
    ...idempotencyKey(record.keyHash),
    [IDEMPOTENCY_ATTRIBUTES.status]: { S: record.status },
    [IDEMPOTENCY_ATTRIBUTES.fingerprint]: { S: record.fingerprint },
    [IDEMPOTENCY_ATTRIBUTES.lockToken]: { S: record.lockToken },
    [IDEMPOTENCY_ATTRIBUTES.lockExpiresAt]: { N: String(record.lockExpiresAt) },
    [IDEMPOTENCY_ATTRIBUTES.expiresAt]: { N: String(record.expiresAt) },
    [IDEMPOTENCY_ATTRIBUTES.ttl]: { N: String(ttlSeconds(record.expiresAt)) },
  }
}

/**
 * A lower bound of a completed item's stored size (attribute names
 * included). The fingerprint, already stored, is left out, so a response
 * this refuses is certainly too large; a borderline one is left to DynamoDB.
 *
 * @internal
 * @example
 * ```ts
 * if (minimumCompletedItemBytes(keyHash, token, text) > DYNAMODB_MAX_ITEM_BYTES) throw …
 * ```
 */
export function minimumCompletedItemBytes(keyHash: string, lockToken: string, response: string): number {
  const names = Object.values(IDEMPOTENCY_ATTRIBUTES).reduce((sum, name) => sum + name.length, 0)
  return (
    names +
    Buffer.byteLength(keyHash) +
    Buffer.byteLength(lockToken) +
    Buffer.byteLength(response) +
    IdempotencyStatus.Completed.length
  )
}

/** Result of reading an item back: a record, or why the item can't be one. @internal */
export type ParsedIdempotencyItem = CheckedIdempotencyRecord

function readNumber(item: Record<string, AttributeValue>, name: string): number | undefined {
  const text = item[name]?.N
  if (text === undefined) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/**
 * Reads a stored item back into a record, checking every attribute's type;
 * a completed record must carry its response.
 *
 * @internal
 * @example
 * ```ts
 * const parsed = parseIdempotencyItem(error.Item)
 * if (parsed.ok) return { acquired: false, existing: parsed.record }
 * ```
 */
export function parseIdempotencyItem(item: Record<string, AttributeValue>): ParsedIdempotencyItem {
  const text = (name: string) => item[name]?.S
  const keyHash = text(IDEMPOTENCY_ATTRIBUTES.keyHash)
  if (keyHash === undefined) return { ok: false, reason: 'pk is not a string' }
  return checkIdempotencyRecord({
    keyHash,
    status: text(IDEMPOTENCY_ATTRIBUTES.status),
    fingerprint: text(IDEMPOTENCY_ATTRIBUTES.fingerprint),
    lockToken: text(IDEMPOTENCY_ATTRIBUTES.lockToken),
    lockExpiresAt: readNumber(item, IDEMPOTENCY_ATTRIBUTES.lockExpiresAt),
    expiresAt: readNumber(item, IDEMPOTENCY_ATTRIBUTES.expiresAt),
    response: text(IDEMPOTENCY_ATTRIBUTES.response),
  })
}
