import { LambdaSessionError } from '@lambda-session/core'

const pkg = '@lambda-session/jwt-identity'

/**
 * Why a presented token was refused, as carried by {@link InvalidTokenError}
 * and logged (the token and its claims never are).
 */
export const InvalidTokenReason = {
  /** Not a JWT: not three base64url parts, not JSON, over the size limit, or `Bearer` with nothing after it. */
  Malformed: 'malformed',
  /** `exp` is in the past. */
  Expired: 'expired',
  /** `nbf` is in the future. */
  NotYetValid: 'not-yet-valid',
  /** `iss` is not the configured issuer (or User Pool). */
  Issuer: 'issuer',
  /** `aud` (or Cognito's `client_id`) is not the configured audience / client id. */
  Audience: 'audience',
  /** Cognito only: an ID token where access tokens are expected, or the other way round. */
  TokenUse: 'token-use',
  /** Another claim check failed (`scope`, Cognito groups, a `customJwtCheck` of a verifier you built). */
  Claims: 'claims',
  /** The signature does not match the header and payload: the token was altered, or signed by another key. */
  Signature: 'signature',
  /** The header's `alg` is not allowed (`none`, `HS256`) or does not match the key. */
  Algorithm: 'algorithm',
  /** No usable key for the header's `kid` in the JWKS, even after one refetch. */
  Key: 'key',
  /** The token verified but has no `sub` claim to identify the caller. */
  Subject: 'subject',
  /** The verifier refused it for another reason (e.g. a verifier of your own threw). */
  Unverifiable: 'unverifiable',
} as const

/** One of {@link InvalidTokenReason}'s values. */
export type InvalidTokenReason = (typeof InvalidTokenReason)[keyof typeof InvalidTokenReason]

// What the client reads: enough to know whether refreshing the token helps, nothing from inside the token.
const messages: Record<InvalidTokenReason, string> = {
  malformed: 'The bearer token is not a well-formed JWT.',
  expired: 'The bearer token has expired: refresh it and retry.',
  'not-yet-valid': 'The bearer token is not valid yet.',
  issuer: 'The bearer token was issued by an identity provider this API does not accept.',
  audience: 'The bearer token was issued for another audience.',
  'token-use': 'The bearer token is the wrong kind of token for this API (ID token vs access token).',
  claims: 'The bearer token lacks a claim this API requires.',
  signature: 'The bearer token signature is invalid.',
  algorithm: 'The bearer token is signed with an algorithm this API does not accept.',
  key: 'The bearer token was signed with a key this API does not know.',
  subject: 'The bearer token identifies no subject (no sub claim).',
  unverifiable: 'The bearer token could not be verified.',
}

/**
 * 401: a token was presented and failed verification. Thrown whatever
 * `required` says: a client that sends a bad token wants to know, so it can
 * refresh it, rather than be served as anonymous. Carries
 * `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750, section 3.1).
 *
 * @example
 * ```ts
 * if (error instanceof InvalidTokenError && error.reason === 'expired') metrics.addMetric('expiredTokens', 'Count', 1)
 * ```
 */
export class InvalidTokenError extends LambdaSessionError {
  /** Why the token was refused. */
  readonly reason: InvalidTokenReason

  constructor(reason: InvalidTokenReason, cause?: unknown) {
    super(messages[reason], 401, {
      package: pkg,
      cause,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    })
    this.reason = reason
  }
}

/**
 * 401: the route needs a token (`required: true`) and the request carries
 * none. `WWW-Authenticate: Bearer` without an error code, as RFC 6750 asks
 * for a request that sent no credentials at all.
 */
export class TokenRequiredError extends LambdaSessionError {
  constructor() {
    super('This route needs a bearer token: send Authorization: Bearer <token>.', 401, {
      package: pkg,
      headers: { 'WWW-Authenticate': 'Bearer' },
    })
  }
}

/**
 * 503: the identity provider's JWKS could not be fetched (unreachable, timed
 * out, not a 200, not a valid JWKS), so no token can be checked. The
 * request is refused (fail closed) and the client may retry.
 */
export class IdentityProviderUnavailableError extends LambdaSessionError {
  constructor(cause: unknown) {
    super("The identity provider's signing keys could not be loaded; retry shortly.", 503, {
      package: pkg,
      cause,
      headers: { 'Retry-After': '5' },
    })
  }
}
