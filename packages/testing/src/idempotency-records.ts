import { randomBytes } from 'node:crypto'
import { type IdempotencyRecord, IdempotencyStatus } from '@lambda-session/core'

/**
 * A fresh key hash, shaped like the guard's (SHA-256, base64url).
 *
 * @example
 * ```ts
 * await store.release(newIdempotencyKeyHash(), newLockToken()) // false: nothing held
 * ```
 */
export function newIdempotencyKeyHash(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * A fresh lock token, shaped like the guard's.
 *
 * @example
 * ```ts
 * expect(await store.complete(keyHash, newLockToken(), '{}', expiresAt)).toBe(false)
 * ```
 */
export function newLockToken(): string {
  return randomBytes(16).toString('base64url')
}

/**
 * An in-progress record as the guard builds it: a lock of `lockMs`, kept for `ttlMs`.
 *
 * @example
 * ```ts
 * const record = inProgressIdempotencyRecord(now, {}, { lockMs: 1000 })
 * await store.acquire(record, now)
 * ```
 */
export function inProgressIdempotencyRecord(
  now: number,
  overrides: Partial<IdempotencyRecord> = {},
  { lockMs = 3000, ttlMs = 86_400_000 } = {},
): IdempotencyRecord {
  return {
    keyHash: newIdempotencyKeyHash(),
    status: IdempotencyStatus.InProgress,
    fingerprint: randomBytes(32).toString('base64url'),
    lockToken: newLockToken(),
    lockExpiresAt: now + lockMs,
    expiresAt: now + ttlMs,
    ...overrides,
  }
}
