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

function checkText(value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string.`)
}

function checkTime(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite epoch ms.`)
}

/**
 * Checks what `IdempotencyStore.acquire` was given, before anything is sent,
 * so every store refuses a bad call alike: a `TypeError` (a bug in the
 * caller, not an outage) naming the field.
 *
 * @example
 * ```ts
 * async acquire(record, now) { checkAcquireArguments(record, now); … }
 * ```
 */
export function checkAcquireArguments(record: IdempotencyRecord, now: number): void {
  checkText(record?.keyHash, 'record.keyHash')
  checkText(record.lockToken, 'record.lockToken')
  checkTime(record.lockExpiresAt, 'record.lockExpiresAt')
  checkTime(record.expiresAt, 'record.expiresAt')
  checkTime(now, 'now')
  if (typeof record.fingerprint !== 'string') throw new TypeError('record.fingerprint must be a string.')
  if (record.status !== IdempotencyStatus.InProgress) {
    throw new TypeError(`acquire() writes an in-progress record; got status '${record.status}'.`)
  }
}

/**
 * Checks what `complete` (and `completeWithSessionWrite`) were given, like
 * {@link checkAcquireArguments}.
 *
 * @example
 * ```ts
 * checkCompleteArguments(keyHash, lockToken, response, expiresAt)
 * ```
 */
export function checkCompleteArguments(keyHash: string, lockToken: string, response: string, expiresAt: number): void {
  checkReleaseArguments(keyHash, lockToken)
  checkTime(expiresAt, 'expiresAt')
  if (typeof response !== 'string') throw new TypeError('response must be a string (the serialised response).')
}

/**
 * Checks what `release` was given, like {@link checkAcquireArguments}.
 *
 * @example
 * ```ts
 * checkReleaseArguments(keyHash, lockToken)
 * ```
 */
export function checkReleaseArguments(keyHash: string, lockToken: string): void {
  checkText(keyHash, 'keyHash')
  checkText(lockToken, 'lockToken')
}
