import {
  hashSessionId,
  isSessionId,
  LambdaSessionError,
  parseRequestCookies,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  Session,
  type SessionOptions,
  type SessionRecord,
  type SessionRequest,
  SessionRequiredError,
  type SessionSealer,
  StoreUnavailableError,
} from '@lambda-session/core'

const name = 'session-loader'
const pkg = `@lambda-session/${name}`

/**
 * At most this many `sid` values are checked per request: browsers send one,
 * or two when a cookie was set for two paths; more is an attack on the CPU.
 */
const MAX_COOKIE_CANDIDATES = 4

const NO_VALUES: readonly string[] = []

/** The verified session ids among the request's cookies, in the order the client sent them. */
function verifiedIds(request: SessionRequest, options: ResolvedSessionOptions): { ids: string[]; rejected: number } {
  const values = parseRequestCookies(request.event).get(options.cookieName) ?? NO_VALUES
  const ids: string[] = []
  let rejected = 0
  const candidates = Math.min(values.length, MAX_COOKIE_CANDIDATES)
  for (let index = 0; index < candidates; index++) {
    const id = options.codec.verify(options.cookieName, values[index] as string)
    if (id !== undefined && isSessionId(id)) {
      if (!ids.includes(id)) ids.push(id)
    } else rejected++
  }
  rejected += Math.max(0, values.length - MAX_COOKIE_CANDIDATES)
  return { ids, rejected }
}

/**
 * Sealed stores (`@lambda-session/cookie-store`): the sessions sealed in the
 * request's cookies, opened with no store read. Same candidate rules as
 * {@link verifiedIds}; `records[i]` belongs to `ids[i]`.
 */
function unsealedSessions(
  request: SessionRequest,
  options: ResolvedSessionOptions,
  sealer: SessionSealer,
): { ids: string[]; records: SessionRecord[]; rejected: number } {
  const values = parseRequestCookies(request.event).get(options.cookieName) ?? []
  const ids: string[] = []
  const records: SessionRecord[] = []
  let rejected = Math.max(0, values.length - MAX_COOKIE_CANDIDATES)
  for (const value of values.slice(0, MAX_COOKIE_CANDIDATES)) {
    const sealed = sealer.unseal(options.cookieName, value)
    if (!sealed || !isSessionId(sealed.id)) rejected++
    else if (!ids.includes(sealed.id)) {
      ids.push(sealed.id)
      records.push(sealed.record)
    }
  }
  return { ids, records, rejected }
}

/** Why a stored session is no longer valid, or `undefined` while it is. */
export function expiryReason(record: SessionRecord, now: number, options: ResolvedSessionOptions): string | undefined {
  if (now - record.lastSeenAt > options.idleTimeoutMs) return 'idle'
  if (now - record.createdAt > options.absoluteTimeoutMs) return 'absolute'
  return undefined
}

/** What a failed `store.load` becomes: our own errors and TypeErrors as they are, anything else a clean 503. */
function loadFailure(error: unknown): unknown {
  if (error instanceof LambdaSessionError || error instanceof TypeError) return error
  // A store of the user's own that throws raw errors still becomes a clean 503.
  return new StoreUnavailableError('load', { package: pkg, cause: error })
}

/**
 * Middy middleware (`before`): verifies the signed session cookie, loads the
 * session with one store read (none when the store is a `SealedSessionStore`:
 * the session is sealed in the cookie), enforces the idle and absolute timeouts, and
 * puts the session on `context.session`. A missing, malformed, forged,
 * unknown, expired or destroyed session gives the handler a fresh, unsaved
 * session, or a 401 `SessionRequiredError` when `required: true`.
 *
 * Pass the same options object to `sessionSaver`.
 *
 * @example
 * ```ts
 * const options = { store: new DynamoDBSessionStore({ client, tableName: 'UserSessions' }),
 *                   secrets: [process.env.SESSION_SECRET] }
 * export const handler = middy(app)
 *   .use(httpCookieParser())
 *   .use(sessionLoader(options))
 *   .use(sessionSaver(options))
 * ```
 */
export const sessionLoader = (opts: SessionOptions) => {
  const options = resolveSessionOptions(opts, pkg)

  const sessionLoaderMiddlewareBefore = async (request: SessionRequest): Promise<void> => {
    const sealed = options.sealer && unsealedSessions(request, options, options.sealer)
    const { ids, rejected } = sealed ?? verifiedIds(request, options)
    const { logger } = options
    if (rejected > 0)
      logger.warn('session cookie rejected', { package: pkg, event: 'cookie-rejected', count: rejected })
    if (ids.length > 1)
      logger.warn('several valid session cookies; using the first', { package: pkg, event: 'cookie-ambiguous' })

    let session: Session | undefined
    const id = ids[0]
    if (id !== undefined) {
      // A sealed cookie carried its record; otherwise the one store read.
      let record: SessionRecord | undefined
      if (sealed) record = sealed.records[0]
      else {
        // Awaited here rather than in a helper: one async frame less per request.
        try {
          record = await options.store.load(hashSessionId(id))
        } catch (error) {
          throw loadFailure(error)
        }
      }
      const reason = record && expiryReason(record, options.clock(), options)
      if (!record) logger.info('session not found', { package: pkg, event: 'session-unknown' })
      else if (reason) logger.info('session expired', { package: pkg, event: 'session-expired', reason })
      else session = new Session(id, record)
    }
    if (!session && options.required) throw new SessionRequiredError({ package: pkg })
    request.context.session = session ?? new Session()
  }

  return { before: sessionLoaderMiddlewareBefore }
}
