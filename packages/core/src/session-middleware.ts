import type { HttpEvent } from './http-event.js'
import type { Session } from './session.js'

/** A Lambda context after `session-loader` ran: the handler finds the session here. */
export interface SessionContext {
  session: Session
}

/**
 * The part of Middy's request object the session middlewares use. Kept
 * structural so the middlewares fit `middy()` with any event and context typing.
 */
export interface SessionRequest {
  event: HttpEvent
  context: object & Partial<SessionContext>
  response: unknown
  error?: unknown
}

/** Whether a value is a session created by this library (and not, say, another library's `context.session`). */
export function isSession(value: unknown): value is Session {
  return (
    typeof value === 'object' &&
    value !== null &&
    'state' in value &&
    typeof (value as Session).regenerate === 'function'
  )
}
