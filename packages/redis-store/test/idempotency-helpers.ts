import { randomBytes } from 'node:crypto'
import { type IdempotencyRecord, IdempotencyStatus } from '@lambda-session/core'

/** A fresh key hash, shaped like the guard's (SHA-256, base64url). */
export function newKeyHash(): string {
  return randomBytes(32).toString('base64url')
}

/** A fresh lock token, shaped like the guard's. */
export function newLockToken(): string {
  return randomBytes(16).toString('base64url')
}

/** An in-progress record as the guard builds it: a lock of `lockMs`, kept for `ttlMs`. */
export function inProgressRecord(
  now: number,
  overrides: Partial<IdempotencyRecord> = {},
  { lockMs = 3000, ttlMs = 86_400_000 } = {},
): IdempotencyRecord {
  return {
    keyHash: newKeyHash(),
    status: IdempotencyStatus.InProgress,
    fingerprint: randomBytes(32).toString('base64url'),
    lockToken: newLockToken(),
    lockExpiresAt: now + lockMs,
    expiresAt: now + ttlMs,
    ...overrides,
  }
}
