import { ConfigurationError, isSession, type Logger } from '@lambda-session/core'

const pkg = '@lambda-session/jwt-identity'

/** What binding did to the session, as logged. */
export type SessionBinding = 'unchanged' | 'bound' | 'rebound'

/**
 * Makes `context.session` belong to `sub`:
 *
 * - already `sub`'s: nothing (no write, no new cookie);
 * - a new session: `userId = sub`, so the saver creates it owned by `sub`;
 * - an anonymous stored session (a cart before sign-in): regenerated (a
 *   privilege change, so a planted session id is worth nothing, the
 *   fixation defence) and given to `sub`, its data kept;
 * - another subject's session: destroyed and replaced by a fresh, empty one
 *   for `sub`, so the new subject never sees the old one's data.
 */
export function bindSessionToSubject(context: { session?: unknown }, sub: string, logger: Logger): SessionBinding {
  const session = context.session
  if (!isSession(session)) {
    throw new ConfigurationError(
      'jwtIdentity({ bindSession: true }) found no context.session: use sessionLoader before jwtIdentity.',
      { package: pkg },
    )
  }
  if (session.userId === sub) return 'unchanged'
  if (session.userId !== undefined) {
    session.destroy().regenerate()
    session.userId = sub
    logger.info('session of another subject replaced by a fresh one', { package: pkg, event: 'session-rebound' })
    return 'rebound'
  }
  if (!session.isNew) session.regenerate()
  session.userId = sub
  logger.info('session bound to the token subject', { package: pkg, event: 'session-bound', isNew: session.isNew })
  return 'bound'
}
