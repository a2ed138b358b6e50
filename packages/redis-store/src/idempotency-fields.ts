import { type CheckedIdempotencyRecord, checkIdempotencyRecord, type IdempotencyRecord } from '@lambda-session/core'

/**
 * Field names of an idempotency record's hash.
 *
 * @example
 * ```ts
 * await client.hget(`ls:i:${keyHash}`, IDEMPOTENCY_FIELDS.status) // 'IN_PROGRESS' or 'COMPLETED'
 * ```
 */
export const IDEMPOTENCY_FIELDS = {
  /** `IN_PROGRESS` or `COMPLETED`. */
  status: 'status',
  /** Hash of the request payload. */
  fingerprint: 'fingerprint',
  /** Token of the request that holds (or held) the lock. */
  lockToken: 'lockToken',
  /** When the in-progress lock lapses (epoch ms). */
  lockExpiresAt: 'lockExpiresAt',
  /** When the record may be forgotten (epoch ms); the key's own expiry (`PEXPIREAT`) is set to it. */
  expiresAt: 'expiresAt',
  /** The stored response text, byte for byte; only on completed records. */
  response: 'response',
} as const

/**
 * The field/value pairs `acquire` writes: an in-progress record, no response.
 *
 * @internal
 * @example
 * ```ts
 * idempotencyRecordFields(record) // ['status', 'IN_PROGRESS', 'fingerprint', …]
 * ```
 */
export function idempotencyRecordFields(record: IdempotencyRecord): string[] {
  return [
    IDEMPOTENCY_FIELDS.status,
    record.status,
    IDEMPOTENCY_FIELDS.fingerprint,
    record.fingerprint,
    IDEMPOTENCY_FIELDS.lockToken,
    record.lockToken,
    IDEMPOTENCY_FIELDS.lockExpiresAt,
    String(record.lockExpiresAt),
    IDEMPOTENCY_FIELDS.expiresAt,
    String(record.expiresAt),
  ]
}

/** Result of reading a record back: a record, or why the hash can't be one. @internal */
export type ParsedIdempotencyHash = CheckedIdempotencyRecord

function readNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/**
 * Reads a record's hash (as the flat `HGETALL` reply a script returns) back
 * into a record, checking every field; a completed record must carry its
 * response.
 *
 * @internal
 * @example
 * ```ts
 * const parsed = parseIdempotencyHash(reply, keyHash)
 * if (parsed.ok) return { acquired: false, existing: parsed.record }
 * ```
 */
export function parseIdempotencyHash(flat: readonly unknown[], keyHash: string): ParsedIdempotencyHash {
  const fields = new Map<string, string>()
  for (let index = 0; index + 1 < flat.length; index += 2) fields.set(String(flat[index]), String(flat[index + 1]))
  return checkIdempotencyRecord({
    keyHash,
    status: fields.get(IDEMPOTENCY_FIELDS.status),
    fingerprint: fields.get(IDEMPOTENCY_FIELDS.fingerprint),
    lockToken: fields.get(IDEMPOTENCY_FIELDS.lockToken),
    lockExpiresAt: readNumber(fields.get(IDEMPOTENCY_FIELDS.lockExpiresAt)),
    expiresAt: readNumber(fields.get(IDEMPOTENCY_FIELDS.expiresAt)),
    response: fields.get(IDEMPOTENCY_FIELDS.response),
  })
}
