import { type IdempotencyRecord, IdempotencyStatus } from './idempotency-store.js'

const STATUSES: readonly string[] = Object.values(IdempotencyStatus)

/** The fields of a stored idempotency record as a store read them, before any check. */
export interface RawIdempotencyFields {
  keyHash: string
  status: string | undefined
  fingerprint: string | undefined
  lockToken: string | undefined
  lockExpiresAt: number | undefined
  expiresAt: number | undefined
  response: string | undefined
}

/** A checked record, or why the stored one can't be used. */
export type CheckedIdempotencyRecord = { ok: true; record: IdempotencyRecord } | { ok: false; reason: string }

/**
 * Checks what a store read back and builds the record, so every store treats
 * a damaged record alike: an unknown status, a missing field or a completed
 * record without a response is malformed.
 *
 * @example
 * ```ts
 * const checked = checkIdempotencyRecord({ keyHash, status, fingerprint, lockToken, lockExpiresAt, expiresAt, response })
 * if (!checked.ok) logger.warn('malformed idempotency record', { reason: checked.reason })
 * ```
 */
export function checkIdempotencyRecord(fields: RawIdempotencyFields): CheckedIdempotencyRecord {
  const { keyHash, status, fingerprint, lockToken, lockExpiresAt, expiresAt, response } = fields
  if (status === undefined || !STATUSES.includes(status)) return { ok: false, reason: 'unknown status' }
  if (fingerprint === undefined) return { ok: false, reason: 'fingerprint is missing or not a string' }
  if (lockToken === undefined) return { ok: false, reason: 'lockToken is missing or not a string' }
  if (lockExpiresAt === undefined) return { ok: false, reason: 'lockExpiresAt is not a number' }
  if (expiresAt === undefined) return { ok: false, reason: 'expiresAt is not a number' }
  if (status === IdempotencyStatus.Completed && response === undefined) {
    return { ok: false, reason: 'completed without a response' }
  }
  const record: IdempotencyRecord = {
    keyHash,
    status: status as IdempotencyStatus,
    fingerprint,
    lockToken,
    lockExpiresAt,
    expiresAt,
  }
  // An in-progress record has no response to replay, whatever the store holds.
  if (status === IdempotencyStatus.Completed) record.response = response
  return { ok: true, record }
}
