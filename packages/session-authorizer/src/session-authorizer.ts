import {
  ConfigurationError,
  type HttpEvent,
  hashSessionId,
  isSessionId,
  LambdaSessionError,
  parseRequestCookies,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  type SessionOptions,
  type SessionRecord,
  type SessionSealer,
  StoreUnavailableError,
} from '@lambda-session/core'
import {
  type AuthorizerContextValue,
  calledArn,
  type IamPolicyResponse,
  isHttpApiAuthorizerEvent,
  policyResource,
  type RestTokenAuthorizerEvent,
  type SessionAuthorizerEvent,
  type SessionAuthorizerResponse,
} from './authorizer-events.js'

const name = 'session-authorizer'
const pkg = `@lambda-session/${name}`

/** Same limit as `session-loader`: browsers send one `sid`, two at most; more is an attack on the CPU. */
const MAX_COOKIE_CANDIDATES = 4

/** What a {@link SessionAuthorizerOptions.context} callback sees of an authorized session. */
export interface AuthorizedSession {
  userId: string | undefined
  /** The session data (read-only: the authorizer never writes). */
  data: Readonly<Record<string, unknown>>
  /** Epoch ms. */
  createdAt: number
  /** Epoch ms. */
  lastSeenAt: number
}

/**
 * The options of `sessionLoader`/`sessionSaver` (pass the same object, or
 * spread it), plus what only the authorizer needs.
 */
export interface SessionAuthorizerOptions extends SessionOptions {
  /**
   * HTTP API (payload 2.0) only: answer `{ isAuthorized, context }`, for an
   * authorizer configured with `EnableSimpleResponses: true`. `false` answers
   * with an IAM policy. REST APIs always get an IAM policy.
   * @default true
   */
  simpleResponses?: boolean
  /**
   * What an IAM policy's statement covers: `'api'` every method and path of
   * the called stage (an answer API Gateway caches is then right for every
   * route); `'route'` only the called method and path.
   * @default 'api'
   */
  policyScope?: 'api' | 'route'
  /**
   * Deny sessions without a `userId` (an anonymous visitor's cart session is
   * a valid session, but not a signed-in user).
   * @default true
   */
  requireUserId?: boolean
  /**
   * More context values for the backend, from the session. API Gateway keeps
   * only strings, numbers and booleans; `userId` is always set when known.
   * @default none
   */
  context?: (session: AuthorizedSession) => Record<string, AuthorizerContextValue>
}

/** Why a request was denied, as logged (never an id or data). */
export const DenyReason = {
  NoCookie: 'no-cookie',
  CookieRejected: 'cookie-rejected',
  SessionUnknown: 'session-unknown',
  SessionExpired: 'session-expired',
  NoUser: 'no-user',
} as const

/** One of {@link DenyReason}'s values. */
export type DenyReason = (typeof DenyReason)[keyof typeof DenyReason]

type Verdict = { allow: true; record: SessionRecord } | { allow: false; reason: DenyReason }

/** The event the cookies are read from: a TOKEN event's token is the Cookie header itself. */
function cookieSource(event: SessionAuthorizerEvent): HttpEvent {
  if (event.type === 'TOKEN') return { headers: { Cookie: (event as RestTokenAuthorizerEvent).authorizationToken } }
  return event as HttpEvent
}

async function loadRecord(idHash: string, options: ResolvedSessionOptions): Promise<SessionRecord | undefined> {
  try {
    return await options.store.load(idHash)
  } catch (error) {
    if (error instanceof LambdaSessionError || error instanceof TypeError) throw error
    throw new StoreUnavailableError('load', { package: pkg, cause: error })
  }
}

/** The first candidate value that verifies as a signed session id, if any. */
function verifiedId(values: readonly string[], options: ResolvedSessionOptions): string | undefined {
  for (const value of values.slice(0, MAX_COOKIE_CANDIDATES)) {
    const verified = options.codec.verify(options.cookieName, value)
    if (verified !== undefined && isSessionId(verified)) return verified
  }
  return undefined
}

/**
 * Sealed stores (`@lambda-session/cookie-store`): the record sealed in the
 * first candidate that opens with the key ring, as `sessionLoader` reads
 * it. No store is read: the cookie is the session.
 */
function unsealedRecord(values: readonly string[], options: ResolvedSessionOptions, sealer: SessionSealer) {
  for (const value of values.slice(0, MAX_COOKIE_CANDIDATES)) {
    const sealed = sealer.unseal(options.cookieName, value)
    if (sealed && isSessionId(sealed.id)) return sealed.record
  }
  return undefined
}

async function judge(
  event: SessionAuthorizerEvent,
  options: ResolvedSessionOptions,
  requireUserId: boolean,
): Promise<Verdict> {
  const values = parseRequestCookies(cookieSource(event)).get(options.cookieName) ?? []
  if (values.length === 0) return { allow: false, reason: DenyReason.NoCookie }
  let record: SessionRecord | undefined
  if (options.sealer) {
    record = unsealedRecord(values, options, options.sealer)
    if (!record) return { allow: false, reason: DenyReason.CookieRejected }
  } else {
    const id = verifiedId(values, options)
    if (id === undefined) return { allow: false, reason: DenyReason.CookieRejected }
    record = await loadRecord(hashSessionId(id), options)
    if (!record) return { allow: false, reason: DenyReason.SessionUnknown }
  }
  // The loader's rule, with the same options: idle timeout, then absolute lifetime.
  const now = options.clock()
  if (now - record.lastSeenAt > options.idleTimeoutMs || now - record.createdAt > options.absoluteTimeoutMs) {
    return { allow: false, reason: DenyReason.SessionExpired }
  }
  if (requireUserId && record.userId === undefined) return { allow: false, reason: DenyReason.NoUser }
  return { allow: true, record }
}

/**
 * An API Gateway Lambda authorizer (a handler, not a middleware) that lets a
 * request through only with a valid lambda-session cookie: signed with one of
 * `secrets`, known to the store (one `GetItem`), not expired, and by default
 * belonging to a signed-in user. With a sealed store (`CookieSessionStore`)
 * the cookie must open with one of `secrets` instead, and nothing is read:
 * the session, its owner and its timestamps are inside the seal. The backend finds the user id in
 * `requestContext.authorizer.lambda.userId` (HTTP API) or
 * `requestContext.authorizer.userId` (REST).
 *
 * Answers REST `REQUEST`/`TOKEN` events (and HTTP API payload 1.0) with an
 * Allow/Deny IAM policy, HTTP API payload 2.0 events with a simple response
 * (or a policy with `simpleResponses: false`). A store outage is thrown, so
 * API Gateway answers 500: it fails closed rather than deny a signed-in user.
 *
 * @example
 * ```ts
 * const sessions = { store: new DynamoDBSessionStore({ client, tableName: 'UserSessions' }),
 *                    secrets: [process.env.SESSION_SECRET] }
 * export const handler = sessionAuthorizer(sessions)
 * ```
 */
export const sessionAuthorizer = (opts: SessionAuthorizerOptions) => {
  const options = resolveSessionOptions(opts, pkg)
  const simpleResponses = opts.simpleResponses ?? true
  const policyScope = opts.policyScope ?? 'api'
  const requireUserId = opts.requireUserId ?? true
  const extraContext = opts.context
  if (policyScope !== 'api' && policyScope !== 'route') {
    throw new ConfigurationError(`policyScope must be 'api' or 'route', got ${String(policyScope)}.`, { package: pkg })
  }
  const { logger } = options

  function contextOf(record: SessionRecord): Record<string, AuthorizerContextValue> {
    const extra = extraContext?.({
      userId: record.userId,
      data: record.data,
      createdAt: record.createdAt,
      lastSeenAt: record.lastSeenAt,
    })
    return record.userId === undefined ? { ...extra } : { ...extra, userId: record.userId }
  }

  return async function sessionAuthorizerHandler(event: SessionAuthorizerEvent): Promise<SessionAuthorizerResponse> {
    const arn = calledArn(event)
    if (arn === undefined) {
      throw new TypeError(`${pkg}: not an API Gateway authorizer event (no methodArn or routeArn).`)
    }
    let verdict: Verdict
    try {
      verdict = await judge(event, options, requireUserId)
    } catch (error) {
      logger.error('session store failed; request not authorized', {
        package: pkg,
        event: 'authorizer-store-error',
        error: String(error),
      })
      throw error
    }
    if (verdict.allow) logger.debug('request authorized', { package: pkg, event: 'authorizer-allowed' })
    else logger.info('request denied', { package: pkg, event: 'authorizer-denied', reason: verdict.reason })

    const context = verdict.allow ? contextOf(verdict.record) : undefined
    if (isHttpApiAuthorizerEvent(event) && simpleResponses) {
      return context ? { isAuthorized: true, context } : { isAuthorized: false }
    }
    const response: IamPolicyResponse = {
      principalId: (verdict.allow && verdict.record.userId) || 'anonymous',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: verdict.allow ? 'Allow' : 'Deny',
            Resource: policyResource(arn, policyScope),
          },
        ],
      },
    }
    if (context) response.context = context
    return response
  }
}
