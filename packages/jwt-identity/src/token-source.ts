import { ConfigurationError, type HttpEvent, parseRequestCookies, readHeader } from '@lambda-session/core'

const pkg = '@lambda-session/jwt-identity'

/**
 * Where a token may come from: the `Authorization: Bearer` header, or a
 * cookie by name.
 *
 * @example
 * ```ts
 * const sources: TokenSource[] = ['authorization', { cookie: '__Host-id_token' }]
 * ```
 */
export type TokenSource = 'authorization' | { cookie: string }

/** Which kind of source a verified token came from, as `context.identity.source` reports it. */
export type TokenSourceKind = 'authorization' | 'cookie'

/** A token found in the request, not yet verified. */
export interface FoundToken {
  /** The raw token text; `''` for `Authorization: Bearer` with nothing after it. */
  token: string
  source: TokenSourceKind
  /** How many different values the cookie had: more than one hints at a cookie tossed in from a sibling domain. */
  candidates: number
}

/** Longer tokens are refused unparsed: no IdP issues them, and parsing them costs CPU. */
export const MAX_TOKEN_LENGTH = 16 * 1024

// RFC 7235 `Bearer` credentials: the scheme is case-insensitive, then token68.
const BEARER = /^Bearer(?:[ \t]+([A-Za-z0-9\-._~+/]*=*))?[ \t]*$/i
const BEARER_SCHEME = /^Bearer(?:[ \t]|$)/i

/**
 * The bearer token of the Authorization header, `''` for a Bearer header
 * that is not token68 (so it is refused as malformed, not ignored), and
 * `undefined` when there is no header or it uses another scheme (Basic, a
 * SigV4 signature): those belong to someone else.
 */
function fromAuthorization(event: HttpEvent): string | undefined {
  const header = readHeader(event, 'authorization')
  if (header === undefined || !BEARER_SCHEME.test(header.trimStart())) return undefined
  const match = BEARER.exec(header.trim())
  return match?.[1] ?? ''
}

/**
 * Finds the token in the first source (in the order given) that carries one.
 * Only that one is verified: a bad bearer token is refused, not replaced by
 * a cookie the same client also sent.
 */
export function findToken(event: HttpEvent, sources: readonly TokenSource[]): FoundToken | undefined {
  for (const source of sources) {
    if (source === 'authorization') {
      const token = fromAuthorization(event)
      if (token !== undefined) return { token, source: 'authorization', candidates: 1 }
      continue
    }
    const values = parseRequestCookies(event).get(source.cookie)
    const first = values?.[0]
    // The first is the most specific path's (RFC 6265): the one the application set.
    if (first !== undefined && first !== '') {
      return { token: first, source: 'cookie', candidates: new Set(values).size }
    }
  }
  return undefined
}

/** Checks the `from` option once, when the middleware is created, and returns it as a list. */
export function resolveSources(from: unknown): readonly TokenSource[] {
  const list = Array.isArray(from) ? from : [from]
  const valid = (source: unknown): source is TokenSource =>
    source === 'authorization' ||
    (typeof source === 'object' &&
      source !== null &&
      typeof (source as { cookie?: unknown }).cookie === 'string' &&
      (source as { cookie: string }).cookie.length > 0)
  if (list.length === 0 || !list.every(valid)) {
    throw new ConfigurationError(
      "jwtIdentity: `from` must be 'authorization', { cookie: '<name>' }, or a list of those (tried in order).",
      { package: pkg },
    )
  }
  return list
}
