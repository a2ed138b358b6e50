/**
 * The contract between the session middlewares and a store. The middlewares
 * hash ids before they reach a store, decide expiry themselves and hand the
 * store only what changed, so a store is a thin mapping onto its database.
 * `DynamoDBSessionStore` implements it; bring your own for other databases.
 * `SealedSessionStore` (below) is the variant that keeps the session in the
 * cookie itself.
 */

import type { SerializeOptions } from 'cookie'

/** One stored session, keyed by the hash of its id. */
export interface SessionRecord {
  /** SHA-256 of the session id (base64url): the only key that is ever stored. */
  idHash: string
  /** The session's data: JSON values by key. */
  data: Record<string, unknown>
  /** Per-key write counters: a conditional write on them detects same-key conflicts. A missing key is 0. */
  versions: Record<string, number>
  /** When the session was created (epoch ms): the absolute lifetime counts from here. */
  createdAt: number
  /** When the session was last seen (epoch ms): the idle timeout counts from here. */
  lastSeenAt: number
  /** When the session expires at the latest (epoch ms): stores use it for TTL clean-up only. */
  expiresAt: number
  /** The user the session belongs to, for revoking all of a user's sessions. */
  userId?: string
}

/** One change to one session key, in the order-free form a store applies atomically. */
export type KeyChange =
  /** Replace the value; only if the key's version is still `expectedVersion` (0: the key never existed). */
  | { kind: 'set'; key: string; value: unknown; expectedVersion: number }
  /** Remove the key; only if the key's version is still `expectedVersion`. */
  | { kind: 'delete'; key: string; expectedVersion: number }
  /** Add `by` to a number (a missing key counts as 0). Never conflicts. */
  | { kind: 'increment'; key: string; by: number }
  /** Append values to a list (a missing key counts as []). Never conflicts. */
  | { kind: 'append'; key: string; values: unknown[] }

/** What one request changed in an existing session. */
export interface SessionUpdate {
  /** Key changes; at most one per key. */
  changes: KeyChange[]
  /** Sliding expiry: new `lastSeenAt` and `expiresAt`, when a touch is due. */
  touch?: { lastSeenAt: number; expiresAt: number }
  /** New owner: a string sets it, `null` removes it, `undefined` leaves it. */
  userId?: string | null
}

/**
 * Where sessions live. Every method but `destroyUserSessions` is one round trip.
 * Writes to an existing session must fail with `SessionGoneError` when the
 * item no longer exists (so a late write can't resurrect a destroyed
 * session) and with `SessionConflictError` when a `set`/`delete` finds the
 * key's version moved. Outages and throttling surface as `StoreUnavailableError`;
 * values the database can't hold as a `TypeError` (a programming error, not an outage).
 */
export interface SessionStore {
  /** The record, or `undefined` if there is none. Strongly consistent. */
  load(idHash: string): Promise<SessionRecord | undefined>
  /** Writes a new session; never overwrites an existing one. */
  create(record: SessionRecord): Promise<void>
  /** Applies one request's changes to an existing session atomically. */
  update(idHash: string, update: SessionUpdate): Promise<void>
  /** Retires `oldIdHash` and writes `record` in one atomic step (`regenerate()`). */
  replace(oldIdHash: string, record: SessionRecord): Promise<void>
  /** Deletes a session; deleting a missing one is not an error. */
  destroy(idHash: string): Promise<void>
  /**
   * Deletes every session of a user; resolves to how many were deleted. The
   * one method that may take several round trips (a query, then batched
   * deletes); an index that is eventually consistent can miss a session
   * created a moment before.
   */
  destroyUserSessions(userId: string): Promise<number>
}

/**
 * A session as a sealed cookie carries it: the id the handler sees as
 * `session.id`, and the record. A cookie has no concurrent writers to detect,
 * so the record's `versions` are always empty.
 */
export interface SealedSession {
  /** The session id (never logged). */
  id: string
  /** The whole session: data, owner and timestamps. */
  record: SessionRecord
}

/**
 * Seals sessions into cookie values and opens them again with one key ring.
 * `sessionLoader` and `sessionSaver` call it, instead of a database, when the
 * store is a {@link SealedSessionStore}.
 */
export interface SessionSealer {
  /**
   * The session sealed in a cookie value, or `undefined` for anything this
   * key ring did not seal under `cookieName` (tampered, forged, truncated,
   * rotated out, garbage). Never throws. Expiry is the loader's to check.
   */
  unseal(cookieName: string, value: string): SealedSession | undefined
  /**
   * The whole `Set-Cookie` value (name, sealed value and `attributes`),
   * sealed with the first key. Throws a 413 `SessionTooLargeError` when the
   * header would pass the store's size limit, before anything is sent.
   */
  sealCookie(cookieName: string, session: SealedSession, attributes: SerializeOptions): string
}

/**
 * The stateless variant of {@link SessionStore}: the whole session lives in
 * the cookie, sealed (encrypted and authenticated), and nothing lives on a
 * server. `sessionLoader` and `sessionSaver` recognise it by `sealed: true`
 * and seal or unseal the cookie instead of calling the `SessionStore`
 * methods, which it has only so that it fits `SessionOptions.store` (they
 * throw: there is no server state to read, merge or revoke).
 * `CookieSessionStore` of `@lambda-session/cookie-store` implements it.
 *
 * @example
 * ```ts
 * const options = { store: new CookieSessionStore(), secrets: [process.env.SESSION_SECRET] }
 * ```
 */
export interface SealedSessionStore extends SessionStore {
  /** Marks the variant. */
  readonly sealed: true
  /**
   * A sealer keyed by the session options' `secrets` (the first seals, all
   * unseal). Called once per options object; throws a `ConfigurationError`
   * for unusable secrets.
   */
  createSealer(secrets: readonly (string | undefined)[], packageName: string): SessionSealer
}

/**
 * Whether a store keeps sessions in the cookie ({@link SealedSessionStore}).
 *
 * @example
 * ```ts
 * if (isSealedSessionStore(options.store)) console.log('no server-side revocation')
 * ```
 */
export function isSealedSessionStore(store: SessionStore): store is SealedSessionStore {
  const candidate = store as Partial<SealedSessionStore>
  return candidate.sealed === true && typeof candidate.createSealer === 'function'
}

/**
 * One session write as `sessionSaver` decided it: what one call of
 * `create`, `update`, `replace` or `destroy` does. It lets the saver hand
 * its write to `idempotency-guard`, so the guard can commit it together
 * with the stored response (see `IdempotencyStore.completeWithSessionWrite`).
 */
export type SessionWrite =
  /** A new session: `store.create(record)`. */
  | { kind: 'create'; record: SessionRecord }
  /** Changes to an existing session: `store.update(idHash, update)`. */
  | { kind: 'update'; idHash: string; update: SessionUpdate }
  /** A regeneration: `store.replace(oldIdHash, record)`. */
  | { kind: 'replace'; oldIdHash: string; record: SessionRecord }
  /** An ended session: `store.destroy(idHash)`. */
  | { kind: 'destroy'; idHash: string }

/**
 * Applies a {@link SessionWrite} with the store's own method: one round trip.
 *
 * @example
 * ```ts
 * await applySessionWrite(store, { kind: 'destroy', idHash })
 * ```
 */
export function applySessionWrite(store: SessionStore, write: SessionWrite): Promise<void> {
  switch (write.kind) {
    case 'create':
      return store.create(write.record)
    case 'update':
      return store.update(write.idHash, write.update)
    case 'replace':
      return store.replace(write.oldIdHash, write.record)
    case 'destroy':
      return store.destroy(write.idHash)
  }
}
