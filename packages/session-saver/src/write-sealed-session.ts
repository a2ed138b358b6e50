import {
  hashSessionId,
  type ResolvedSessionOptions,
  type Session,
  type SessionRecord,
  type SessionSealer,
} from '@lambda-session/core'
import { expiredSessionCookie } from './session-cookie.js'

const pkg = '@lambda-session/session-saver'

/**
 * `writeSession` for a `SealedSessionStore`: the whole session is sealed into
 * the response's cookie, so "writing" is choosing whether to send a new
 * cookie. Same outcomes as the database path, minus what needs server state:
 *
 * - destroyed: expire the cookie (a copy kept elsewhere stays valid until it
 *   expires: there is nothing on a server to delete)
 * - new id, or any change, or a sliding-expiry touch due: seal the whole
 *   session, `lastSeenAt` now, into a new cookie
 * - nothing changed: no `Set-Cookie`
 *
 * The sealer throws a 413 before anything is sent when the cookie would be too big.
 */
export function writeSealedSession(session: Session, options: ResolvedSessionOptions, sealer: SessionSealer): string[] {
  const { loaded, loadedId, changes, userIdChanged, destroyed, restarted, data } = session.state
  const now = options.clock()
  const hasContent = session.keys().length > 0 || session.userId !== undefined

  if (destroyed || (session.id !== loadedId && !hasContent)) {
    if (destroyed) options.logger.info('session destroyed', { package: pkg, event: 'session-destroyed' })
    return loaded ? [expiredSessionCookie(options)] : []
  }
  if (session.id === loadedId && loaded) {
    const changed = changes.size > 0 || (userIdChanged && session.userId !== loaded.userId)
    const touchDue = now - loaded.lastSeenAt >= options.touchIntervalMs
    if (!changed && !touchDue) return []
  }

  // After destroy() + regenerate() nothing carries over, not even the age;
  // regenerate() alone keeps it, so logging in again can't extend the absolute lifetime.
  const createdAt = (restarted ? undefined : loaded?.createdAt) ?? now
  const record: SessionRecord = {
    idHash: hashSessionId(session.id),
    data: { ...data },
    versions: {},
    createdAt,
    lastSeenAt: now,
    expiresAt: Math.min(now + options.idleTimeoutMs, createdAt + options.absoluteTimeoutMs),
  }
  if (session.userId !== undefined) record.userId = session.userId
  const cookie = sealer.sealCookie(options.cookieName, { id: session.id, record }, options.cookie)
  if (session.id !== loadedId) {
    const event = loaded ? 'session-regenerated' : 'session-created'
    options.logger.info(loaded ? 'session regenerated' : 'session created', { package: pkg, event })
  }
  return [cookie]
}
