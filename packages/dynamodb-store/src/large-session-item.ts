import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { estimateValueBytes, type KeyChange, type SessionRecord } from '@lambda-session/core'
import type { SessionObjectPointer } from './large-session-objects.js'
import { type ParsedSessionItem, parseSessionItem, SESSION_ATTRIBUTES, toSessionItem } from './session-item.js'
import type { CompiledSessionUpdate } from './session-update-expression.js'

/**
 * The attributes a session item has besides {@link SESSION_ATTRIBUTES} when
 * the store has `largeSessions`.
 *
 * @example
 * ```ts
 * const overflowed = item[LARGE_SESSION_ATTRIBUTES.object] !== undefined
 * ```
 */
export const LARGE_SESSION_ATTRIBUTES = {
  /**
   * The S3 object holding the session's data (M: `k` key, `h` SHA-256 of the
   * body, `n` its bytes). Present only while the data is in S3; the item then
   * has no `data` attribute.
   */
  object: 's3',
  /**
   * Size of the session (N, bytes, estimated like DynamoDB counts an item),
   * an upper bound: exact after a create or a whole rewrite, raised by each
   * in-item update by what it may add, so the update can refuse to take the
   * item past the threshold without reading it.
   */
  size: 'sz',
} as const

/** Members of the pointer map. */
const POINTER = { key: 'k', sha256: 'h', bytes: 'n' } as const

/**
 * The pointer as an attribute value.
 *
 * @internal
 * @example
 * ```ts
 * item[LARGE_SESSION_ATTRIBUTES.object] = pointerAttribute(pointer)
 * ```
 */
export function pointerAttribute(pointer: SessionObjectPointer): AttributeValue {
  return {
    M: {
      [POINTER.key]: { S: pointer.key },
      [POINTER.sha256]: { S: pointer.sha256 },
      [POINTER.bytes]: { N: String(pointer.bytes) },
    },
  }
}

/**
 * The object pointer of an item: `undefined` when the data is in the item,
 * `'malformed'` when the attribute is there but unreadable.
 *
 * @internal
 * @example
 * ```ts
 * const pointer = readPointer(item)
 * ```
 */
export function readPointer(item: Record<string, AttributeValue>): SessionObjectPointer | 'malformed' | undefined {
  const attribute = item[LARGE_SESSION_ATTRIBUTES.object]
  if (attribute === undefined) return undefined
  const key = attribute.M?.[POINTER.key]?.S
  const sha256 = attribute.M?.[POINTER.sha256]?.S
  const bytes = Number(attribute.M?.[POINTER.bytes]?.N)
  if (!key || !sha256 || !Number.isSafeInteger(bytes) || bytes < 0) return 'malformed'
  return { key, sha256, bytes }
}

/**
 * The item's size attribute, `undefined` when it has none (an item written
 * before `largeSessions` was turned on).
 *
 * @internal
 */
export function readSize(item: Record<string, AttributeValue>): number | undefined {
  const text = item[LARGE_SESSION_ATTRIBUTES.size]?.N
  const size = text === undefined ? Number.NaN : Number(text)
  return Number.isFinite(size) ? size : undefined
}

/**
 * Reads the metadata of an item whose data is in S3: the record with empty
 * `data`, or why the item is malformed.
 *
 * @internal
 */
export function parseOverflowedItem(item: Record<string, AttributeValue>, idHash: string): ParsedSessionItem {
  return parseSessionItem({ ...item, [SESSION_ATTRIBUTES.data]: { M: {} } }, idHash)
}

/**
 * The item of a record whose data stays in DynamoDB, with its size.
 *
 * @internal
 */
export function inlineItem(record: SessionRecord, sizeBytes: number): Record<string, AttributeValue> {
  return { ...toSessionItem(record), [LARGE_SESSION_ATTRIBUTES.size]: { N: String(sizeBytes) } }
}

/**
 * The item of a record whose data is in S3: everything but `data`, plus the
 * pointer and the size. Built through `toSessionItem`, so the data is
 * checked as storable in DynamoDB too and the session can move back later.
 *
 * @internal
 */
export function overflowedItem(
  record: SessionRecord,
  pointer: SessionObjectPointer,
  sizeBytes: number,
): Record<string, AttributeValue> {
  const { [SESSION_ATTRIBUTES.data]: _data, ...rest } = toSessionItem(record)
  return {
    ...rest,
    [LARGE_SESSION_ATTRIBUTES.object]: pointerAttribute(pointer),
    [LARGE_SESSION_ATTRIBUTES.size]: { N: String(sizeBytes) },
  }
}

/** Bytes an item may gain from one change: the key twice (data and version), the value, the version number. */
function changeBytes(change: KeyChange): number {
  const keyBytes = 2 * Buffer.byteLength(change.key, 'utf8') + 8
  if (change.kind === 'set') return keyBytes + estimateValueBytes(change.value ?? null)
  if (change.kind === 'append') return keyBytes + estimateValueBytes(change.values)
  if (change.kind === 'increment') return keyBytes + estimateValueBytes(change.by) + 21
  return keyBytes
}

/**
 * How much an update's changes may add to the item, at least 1, so every
 * data write moves the size attribute.
 *
 * @internal
 */
export function updateGrowthBytes(changes: readonly KeyChange[]): number {
  return Math.max(
    1,
    changes.reduce((total, change) => total + changeBytes(change), 0),
  )
}

/**
 * An in-item update with a size guard: it also raises the size attribute by
 * `growthBytes`, and applies only while the data is in the item and the item
 * stays under `thresholdBytes`. When the guard fails, the caller gets the
 * old item (`ALL_OLD`) and rewrites the session whole instead.
 *
 * @internal
 * @example
 * ```ts
 * const guarded = withSizeGuard(compileSessionUpdate(update)!, updateGrowthBytes(update.changes), 102_400)
 * ```
 */
export function withSizeGuard(
  compiled: CompiledSessionUpdate,
  growthBytes: number,
  thresholdBytes: number,
): CompiledSessionUpdate {
  const names: Record<string, string> = {
    ...compiled.ExpressionAttributeNames,
    '#s3': LARGE_SESSION_ATTRIBUTES.object,
    '#sz': LARGE_SESSION_ATTRIBUTES.size,
  }
  const values = {
    ...compiled.ExpressionAttributeValues,
    ':szd': { N: String(growthBytes) },
    ':szroom': { N: String(thresholdBytes - growthBytes) },
  }
  const grow = '#sz = #sz + :szd'
  // Placeholders hold no spaces, so the first ' REMOVE ' is where the SET clause ends.
  const expression = compiled.UpdateExpression
  const setEnd = expression.indexOf(' REMOVE ')
  const updateExpression = expression.startsWith('SET ')
    ? setEnd === -1
      ? `${expression}, ${grow}`
      : `${expression.slice(0, setEnd)}, ${grow}${expression.slice(setEnd)}`
    : `SET ${grow} ${expression}`
  return {
    ...compiled,
    UpdateExpression: updateExpression,
    // An item without a size (written without largeSessions) is measured by one whole rewrite first.
    ConditionExpression: `${compiled.ConditionExpression} AND attribute_not_exists(#s3) AND #sz <= :szroom`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  }
}

/**
 * Whether an update refused by {@link withSizeGuard} was refused for the
 * guard (data in S3, or not enough room) rather than for a version.
 *
 * @internal
 */
export function failedOnSizeGuard(
  old: Record<string, AttributeValue>,
  growthBytes: number,
  thresholdBytes: number,
): boolean {
  if (old[LARGE_SESSION_ATTRIBUTES.object] !== undefined) return true
  const size = readSize(old)
  return size === undefined || size > thresholdBytes - growthBytes
}
