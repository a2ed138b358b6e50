import { LambdaSessionError } from '@lambda-session/core'
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error'
import type { JwtPayload } from 'aws-jwt-verify/jwt-model'
import { IdentityProviderUnavailableError, InvalidTokenError, InvalidTokenReason } from './errors.js'
import { MAX_TOKEN_LENGTH } from './token-source.js'

/**
 * Anything that verifies a JWT and resolves to its payload, rejecting when
 * the token is not valid: `CognitoJwtVerifier.create(…)` and
 * `JwtVerifier.create(…)` from `aws-jwt-verify` as they are, or your own.
 *
 * @example
 * ```ts
 * const verifier: TokenVerifier = JwtVerifier.create({ issuer, audience: 'api', scope: 'orders:write' })
 * ```
 */
export interface TokenVerifier {
  verify(token: string): Promise<JwtPayload>
}

/** The claims of a verified token: `sub`, `iss`, `aud`, `exp` typed, the rest as JSON. */
export type TokenClaims = JwtPayload

/**
 * The most specific class first: aws-jwt-verify's errors form a hierarchy
 * (`JwtExpiredError` is a `JwtInvalidClaimError`, which is a `JwtBaseError`).
 */
const reasonsByError: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, InvalidTokenReason]> = [
  [JwtParseError, InvalidTokenReason.Malformed],
  [JwtExpiredError, InvalidTokenReason.Expired],
  [JwtNotBeforeError, InvalidTokenReason.NotYetValid],
  [JwtInvalidIssuerError, InvalidTokenReason.Issuer],
  // At verify time aws-jwt-verify raises it for one thing only: a token whose
  // `iss` matches none of the verifier's issuers (e.g. another User Pool).
  [ParameterValidationError, InvalidTokenReason.Issuer],
  [JwtInvalidAudienceError, InvalidTokenReason.Audience],
  [CognitoJwtInvalidClientIdError, InvalidTokenReason.Audience],
  [CognitoJwtInvalidTokenUseError, InvalidTokenReason.TokenUse],
  [JwtInvalidClaimError, InvalidTokenReason.Claims],
  [JwtInvalidSignatureError, InvalidTokenReason.Signature],
  [JwtInvalidSignatureAlgorithmError, InvalidTokenReason.Algorithm],
  [JwtWithoutValidKidError, InvalidTokenReason.Key],
  [KidNotFoundInJwksError, InvalidTokenReason.Key],
  [WaitPeriodNotYetEndedJwkError, InvalidTokenReason.Key],
  [JwkInvalidUseError, InvalidTokenReason.Key],
  [JwkInvalidKtyError, InvalidTokenReason.Key],
]

/** Errors that say the identity provider (its JWKS endpoint) failed, not the token. */
function isProviderFailure(error: unknown): boolean {
  return error instanceof FetchError || error instanceof JwksValidationError || error instanceof JwkValidationError
}

function errorClass(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error
}

function reasonOf(error: unknown): InvalidTokenReason {
  for (const [type, reason] of reasonsByError) if (error instanceof type) return reason
  return InvalidTokenReason.Unverifiable
}

/**
 * Verifies the token and returns its claims, or throws: an
 * {@link InvalidTokenError} (401) for anything wrong with the token, an
 * {@link IdentityProviderUnavailableError} (503) when the keys could not be
 * loaded, and any `LambdaSessionError` a verifier of your own throws as is.
 */
export async function verifyToken(verifier: TokenVerifier, token: string): Promise<TokenClaims & { sub: string }> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError(InvalidTokenReason.Malformed)
  let claims: TokenClaims
  try {
    claims = await verifier.verify(token)
  } catch (error) {
    if (error instanceof LambdaSessionError) throw error
    if (isProviderFailure(error)) throw new IdentityProviderUnavailableError(error)
    // Anything else, aws-jwt-verify's or not, refuses the token: fail closed. The
    // cause is the error's class only: aws-jwt-verify's errors hold claim values.
    throw new InvalidTokenError(reasonOf(error), errorClass(error))
  }
  if (typeof claims?.sub !== 'string' || claims.sub.length === 0)
    throw new InvalidTokenError(InvalidTokenReason.Subject)
  return claims as TokenClaims & { sub: string }
}
