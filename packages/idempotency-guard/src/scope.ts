import { type HttpEvent, hashSessionId, isSession, readMethod, readPath } from '@lambda-session/core'

/** What a scope function gets. */
export interface ScopeInput {
  event: HttpEvent
  context: object & { functionName?: string; session?: unknown; identity?: unknown }
}

type Authorizer = {
  principalId?: unknown
  claims?: { sub?: unknown }
  jwt?: { claims?: { sub?: unknown } }
  lambda?: { userId?: unknown; principalId?: unknown }
}

function authorizerPrincipal(event: HttpEvent): string | undefined {
  const authorizer = (event.requestContext as { authorizer?: Authorizer } | undefined)?.authorizer
  if (!authorizer) return undefined
  const candidate =
    authorizer.lambda?.userId ??
    authorizer.lambda?.principalId ??
    authorizer.jwt?.claims?.sub ??
    authorizer.claims?.sub ??
    authorizer.principalId
  return typeof candidate === 'string' && candidate.length > 0 ? candidate : undefined
}

function routeOf(event: HttpEvent): string {
  const routeKey = (event as { routeKey?: unknown }).routeKey
  if (typeof routeKey === 'string' && routeKey !== '$default') return routeKey
  const resource = (event as { resource?: unknown }).resource
  if (typeof resource === 'string' && resource !== '/{proxy+}') return `${readMethod(event)} ${resource}`
  return `${readMethod(event)} ${readPath(event)}`
}

/**
 * The default key scope: function, route and caller, so the same key from
 * two callers, or for two routes, never shares a record. The caller is the
 * loaded session (by its hash), else a verified token's subject
 * (`context.identity.sub`, set by `jwt-identity`), else the authorizer's
 * principal, else `anonymous` — put `session-loader` before the guard so
 * sessions count.
 */
export function defaultScope({ event, context }: ScopeInput): string {
  const session = context.session
  let caller = 'anonymous'
  if (isSession(session) && !session.isNew) caller = `session:${hashSessionId(session.state.loadedId ?? session.id)}`
  else {
    // A verified token (`jwt-identity` sets `context.identity`) names the caller next.
    const subject = (context.identity as { sub?: unknown } | undefined)?.sub
    const principal = authorizerPrincipal(event)
    if (typeof subject === 'string' && subject.length > 0) caller = `subject:${subject}`
    else if (principal) caller = `principal:${principal}`
  }
  return `${context.functionName ?? ''}\n${routeOf(event)}\n${caller}`
}
