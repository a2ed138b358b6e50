import {
  applySessionWrite,
  estimateValueBytes,
  hashSessionId,
  LambdaSessionError,
  type ResolvedSessionOptions,
  type Session,
  SessionGoneError,
  type SessionRecord,
  SessionTooLargeError,
  type SessionUpdate,
  type SessionWrite,
  StoreUnavailableError,
} from '@lambda-session/core'
import { expiredSessionCookie, sessionCookie } from './session-cookie.js'

const pkg = '@lambda-session/session-saver'

/**
 * Bytes an item carries besides `data` and `ver`: attribute names, the key
 * hash, the timestamps and a user id. Counted high on purpose.
 */
const ITEM_OVERHEAD_BYTES = 512

function expiresAt(createdAt: number, lastSeenAt: number, options: ResolvedSessionOptions): number {
  return Math.min(lastSeenAt + options.idleTimeoutMs, createdAt + options.absoluteTimeoutMs)
}

function checkSize(data: Record<string, unknown>, versions: Record<string, number>, options: ResolvedSessionOptions) {
  const size = ITEM_OVERHEAD_BYTES + estimateValueBytes(data) + estimateValueBytes(versions)
  if (size > options.maxSessionBytes) throw new SessionTooLargeError(size, options.maxSessionBytes, { package: pkg })
}

/** Runs one store call, turning raw errors from a user's own store into 503s. */
async function storeCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    // A TypeError is a value the store can't hold: a bug to fix, not an outage to retry.
    if (error instanceof LambdaSessionError || error instanceof TypeError) throw error
    throw new StoreUnavailableError(operation, { package: pkg, cause: error })
  }
}

/** A full record for a session being written under a new id (new or regenerated). */
function freshRecord(session: Session, now: number, options: ResolvedSessionOptions): SessionRecord {
  const { restarted } = session.state
  // After destroy() + regenerate() nothing carries over from the old session.
  const loaded = restarted ? undefined : session.state.loaded
  const data = { ...session.state.data } // a shallow copy: the store only reads it
  const versions: Record<string, number> = {}
  for (const key of Object.keys(data)) versions[key] = (loaded?.versions[key] ?? 0) + 1
  // Regeneration keeps the session's age: the absolute lifetime can't be reset by logging in again.
  const createdAt = loaded?.createdAt ?? now
  const record: SessionRecord = {
    idHash: hashSessionId(session.id),
    data,
    versions,
    createdAt,
    lastSeenAt: now,
    expiresAt: expiresAt(createdAt, now, options),
  }
  if (session.userId !== undefined) record.userId = session.userId
  checkSize(data, versions, options)
  return record
}

function hasContent(session: Session): boolean {
  return session.keys().length > 0 || session.userId !== undefined
}

/** What the saver does for one request: at most one store write, and the `Set-Cookie` values to send. */
export interface SessionWritePlan {
  /** The store write, if any. */
  write?: SessionWrite
  /** The cookies to send once the write landed: none when the cookie stays as it is. */
  setCookies: string[]
}

const noWrite: SessionWritePlan = { setCookies: [] }

/**
 * Decides what the handler's changes need, without touching the store:
 *
 * - destroyed: delete the item, expire the cookie
 * - new id (new session with content, or `regenerate()`): create, or
 *   atomically replace the old item; send the new cookie
 * - same id: one update of the changed keys (plus a sliding-expiry touch when
 *   due), or a touch alone, or nothing
 *
 * Throws a 413 `SessionTooLargeError` for a session over `maxSessionBytes`.
 */
export function planSessionWrite(session: Session, options: ResolvedSessionOptions): SessionWritePlan {
  const { loaded, loadedId, changes, userIdChanged, destroyed } = session.state
  const now = options.clock()

  if (destroyed) {
    if (!loaded || loadedId === undefined) return noWrite
    return { write: { kind: 'destroy', idHash: hashSessionId(loadedId) }, setCookies: [expiredSessionCookie(options)] }
  }

  if (session.id !== loadedId) {
    if (!hasContent(session)) {
      // A regenerated session left empty: retire the old id, create nothing.
      if (!loaded || loadedId === undefined) return noWrite
      return {
        write: { kind: 'destroy', idHash: hashSessionId(loadedId) },
        setCookies: [expiredSessionCookie(options)],
      }
    }
    const record = freshRecord(session, now, options)
    const write: SessionWrite =
      loaded && loadedId !== undefined
        ? { kind: 'replace', oldIdHash: hashSessionId(loadedId), record }
        : { kind: 'create', record }
    return { write, setCookies: [sessionCookie(session.id, options)] }
  }

  if (!loaded) return noWrite
  const update: SessionUpdate = { changes: [...changes.values()] }
  if (userIdChanged && session.userId !== loaded.userId) update.userId = session.userId ?? null
  const touchDue = now - loaded.lastSeenAt >= options.touchIntervalMs
  if (touchDue) update.touch = { lastSeenAt: now, expiresAt: expiresAt(loaded.createdAt, now, options) }
  if (update.changes.length === 0 && update.userId === undefined && !update.touch) return noWrite

  if (update.changes.length > 0) checkSize(session.state.data, loaded.versions, options)
  // A rolling cookie (Max-Age set) is re-sent whenever its expiry moved.
  const setCookies = touchDue && options.cookie.maxAge !== undefined ? [sessionCookie(session.id, options)] : []
  return { write: { kind: 'update', idHash: hashSessionId(session.id), update }, setCookies }
}

const writtenEvents = {
  create: ['session created', 'session-created'],
  replace: ['session regenerated', 'session-regenerated'],
  destroy: ['session destroyed', 'session-destroyed'],
} as const

/**
 * Logs a write that landed the way the saver always has (ids and data never
 * reach the log).
 */
export function logSessionWritten(write: SessionWrite, options: ResolvedSessionOptions): void {
  if (write.kind === 'update') return
  const [message, event] = writtenEvents[write.kind]
  options.logger.info(message, { package: pkg, event })
}

/**
 * Applies a planned write with one store call and says how it ended:
 * `'written'`, or `'gone'` when an update met a session another request
 * destroyed or regenerated meanwhile (the write is dropped: a destroyed
 * session never comes back). Raw errors of a user's own store become 503s;
 * a same-key conflict stays a 409.
 */
export async function commitSessionWrite(
  write: SessionWrite,
  options: ResolvedSessionOptions,
): Promise<'written' | 'gone'> {
  try {
    await storeCall(write.kind, () => applySessionWrite(options.store, write))
  } catch (error) {
    if (write.kind === 'update' && error instanceof SessionGoneError) {
      options.logger.info('late write to an ended session dropped', { package: pkg, event: 'session-gone' })
      return 'gone'
    }
    if (error instanceof LambdaSessionError && error.statusCode === 409) {
      options.logger.warn('session write conflict', { package: pkg, event: 'session-conflict' })
    }
    throw error
  }
  logSessionWritten(write, options)
  return 'written'
}
