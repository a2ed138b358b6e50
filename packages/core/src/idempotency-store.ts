/**
 * The contract between `idempotency-guard` and a store. The guard scopes and
 * hashes keys, fingerprints payloads, serialises responses and mints lock
 * tokens; a store only keeps records and makes every write conditional on
 * the lock token, so a request can only complete or release a lock it owns.
 * `DynamoDBIdempotencyStore` implements it.
 */

import type { SessionStore, SessionWrite } from './session-store.js'

/** Where a request with a given key stands. */
export const IdempotencyStatus = {
  /** A request holds the lock and is running. */
  InProgress: 'IN_PROGRESS',
  /** The first request finished; its response is stored for replays. */
  Completed: 'COMPLETED',
} as const

/** One of {@link IdempotencyStatus}'s values. */
export type IdempotencyStatus = (typeof IdempotencyStatus)[keyof typeof IdempotencyStatus]

/** One stored idempotency record. */
export interface IdempotencyRecord {
  /** Hash of the scoped key: function, route, caller and the client's key. */
  keyHash: string
  status: IdempotencyStatus
  /** Hash of the request payload; a repeat with another payload is a 422. */
  fingerprint: string
  /** Random token of the request that holds (or held) the lock. */
  lockToken: string
  /** When the in-progress lock lapses (epoch ms): the invocation's deadline. */
  lockExpiresAt: number
  /** When the record may be forgotten (epoch ms); stores use it for TTL. */
  expiresAt: number
  /** The serialised response, once completed. */
  response?: string
}

/** The answer to an acquire attempt. */
export type AcquireResult =
  /** The lock is ours: run the handler. */
  | { acquired: true }
  /** Someone else's record is there (in progress or completed): read in the same round trip. */
  | { acquired: false; existing: IdempotencyRecord }

/**
 * Where idempotency records live. Each method is one round trip.
 */
export interface IdempotencyStore {
  /**
   * Writes an in-progress record unless a live one exists (a completed record
   * not yet expired, or an in-progress one whose lock has not lapsed at
   * `now`). When one exists, returns it from the same round trip.
   */
  acquire(record: IdempotencyRecord, now: number): Promise<AcquireResult>
  /** Stores the response and marks the record completed, only if `lockToken` still holds the lock. Resolves false when it doesn't. */
  complete(keyHash: string, lockToken: string, response: string, expiresAt: number): Promise<boolean>
  /** Deletes the record, only if `lockToken` still holds the lock. Resolves false when it doesn't. */
  release(keyHash: string, lockToken: string): Promise<boolean>
  /**
   * Optional: `complete` and one session write in a single atomic step, so
   * a request's session change and its stored response land together or
   * not at all. Without it (or when it resolves `undefined`) the guard
   * writes the session first and completes after, and an unclear failure
   * between the two can't be told apart from a write that never happened.
   *
   * Resolves `true` when both landed; `false` when `lockToken` no longer
   * holds the lock (nothing was written); `undefined` when this store can't
   * join a write to `sessions` (another database, another client), before
   * anything is sent. Rejects with the session store's own errors
   * (`SessionConflictError`, `SessionGoneError`, ...) when the session
   * write's conditions failed (nothing was written), and with
   * `StoreUnavailableError` when the outcome is unknown.
   */
  completeWithSessionWrite?(
    keyHash: string,
    lockToken: string,
    response: string,
    expiresAt: number,
    sessions: SessionStore,
    write: SessionWrite,
  ): Promise<boolean | undefined>
}
