import {
  estimateValueBytes,
  hashSessionId,
  LambdaSessionError,
  type ResolvedSessionOptions,
  type Session,
  SessionGoneError,
  type SessionRecord,
  SessionTooLargeError,
  type SessionUpdate,
  StoreUnavailableError,
} from '@lambda-session/core'
import { expiredSessionCookie, sessionCookie } from './session-cookie.js'
import { writeSealedSession } from './write-sealed-session.js'

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

/**
 * Writes what the handler changed with at most one store write and returns
 * the `Set-Cookie` values to send: none when the cookie stays as it is.
 *
 * - destroyed: delete the item, expire the cookie
 * - new id (new session with content, or `regenerate()`): create, or
 *   atomically replace the old item; send the new cookie
 * - same id: one update of the changed keys (plus a sliding-expiry touch when
 *   due), or a touch alone, or nothing
 */
export async function writeSession(session: Session, options: ResolvedSessionOptions): Promise<string[]> {
  // A sealed store (`@lambda-session/cookie-store`): the session goes into the cookie, not to a database.
  if (options.sealer) return writeSealedSession(session, options, options.sealer)
  const { store, logger } = options
  const { loaded, loadedId, changes, userIdChanged, destroyed } = session.state
  const now = options.clock()

  if (destroyed) {
    if (loaded && loadedId !== undefined) await storeCall('destroy', () => store.destroy(hashSessionId(loadedId)))
    logger.info('session destroyed', { package: pkg, event: 'session-destroyed' })
    return loaded ? [expiredSessionCookie(options)] : []
  }

  if (session.id !== loadedId) {
    if (!hasContent(session)) {
      // A regenerated session left empty: retire the old id, create nothing.
      if (loaded && loadedId !== undefined) {
        await storeCall('destroy', () => store.destroy(hashSessionId(loadedId)))
        return [expiredSessionCookie(options)]
      }
      return []
    }
    const record = freshRecord(session, now, options)
    if (loaded && loadedId !== undefined) {
      await storeCall('replace', () => store.replace(hashSessionId(loadedId), record))
      logger.info('session regenerated', { package: pkg, event: 'session-regenerated' })
    } else {
      await storeCall('create', () => store.create(record))
      logger.info('session created', { package: pkg, event: 'session-created' })
    }
    return [sessionCookie(session.id, options)]
  }

  if (!loaded) return []
  const update: SessionUpdate = { changes: [...changes.values()] }
  if (userIdChanged && session.userId !== loaded.userId) update.userId = session.userId ?? null
  const touchDue = now - loaded.lastSeenAt >= options.touchIntervalMs
  if (touchDue) update.touch = { lastSeenAt: now, expiresAt: expiresAt(loaded.createdAt, now, options) }
  if (update.changes.length === 0 && update.userId === undefined && !update.touch) return []

  if (update.changes.length > 0) checkSize(session.state.data, loaded.versions, options)
  try {
    await storeCall('update', () => store.update(hashSessionId(session.id), update))
  } catch (error) {
    if (error instanceof SessionGoneError) {
      // Destroyed or regenerated by another request meanwhile: never bring it back.
      logger.info('late write to an ended session dropped', { package: pkg, event: 'session-gone' })
      return [expiredSessionCookie(options)]
    }
    if (error instanceof LambdaSessionError && error.statusCode === 409) {
      logger.warn('session write conflict', { package: pkg, event: 'session-conflict' })
    }
    throw error
  }
  // A rolling cookie (Max-Age set) is re-sent whenever its expiry moved.
  return touchDue && options.cookie.maxAge !== undefined ? [sessionCookie(session.id, options)] : []
}
