/**
 * How `sessionSaver` hands its write to `idempotency-guard` within one
 * invocation. The guard holds an idempotency lock from `before` to `after`;
 * while it does, the saver's `after` (which runs first when the saver is
 * `.use()`d after the guard) leaves its session write to the guard, which
 * then commits the write and the stored response together. Without a guard,
 * or with the saver placed before it, the saver writes as usual.
 */

import { objectSlot } from './object-slot.js'
import type { SessionStore, SessionWrite } from './session-store.js'

/** A session write the saver left for the guard to commit. */
export interface DeferredSessionWrite {
  /** The store the write is for. */
  sessions: SessionStore
  /** What to write. */
  write: SessionWrite
  /**
   * Applies the write on its own, with the saver's error handling: for a
   * response the guard doesn't store, or a store that can't join the write
   * to its completion.
   */
  commitAlone(): Promise<void>
}

/** Takes a deferred write; answers false when the taker no longer wants it (its lock is gone). */
export type DeferredSessionWriteTaker = (deferred: DeferredSessionWrite) => boolean

// Keyed by the Lambda context: one taker per invocation, gone with the context.
const takers = objectSlot<DeferredSessionWriteTaker>('lambda-session deferred session write')

/**
 * Offers to commit the session write of this invocation (called by
 * `idempotency-guard` once it holds a lock).
 *
 * @example
 * ```ts
 * acceptDeferredSessionWrite(context, (deferred) => held.get(request)?.take(deferred) ?? false)
 * ```
 */
export function acceptDeferredSessionWrite(context: object, taker: DeferredSessionWriteTaker): void {
  takers.set(context, taker)
}

/**
 * Hands the session write to the invocation's taker. Resolves true when the
 * taker has it (the caller must then not write); false when there is none,
 * and the caller writes itself.
 *
 * @example
 * ```ts
 * if (!deferSessionWrite(context, { sessions: store, write, commitAlone })) await commitAlone()
 * ```
 */
export function deferSessionWrite(context: object, deferred: DeferredSessionWrite): boolean {
  const taker = takers.get(context)
  if (!taker) return false
  takers.delete(context)
  return taker(deferred)
}
