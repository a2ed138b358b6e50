import type { HttpEvent, Logger, SessionContext } from '@lambda-session/core'
import { bindSessionToSubject } from './bind-session.js'
import {
  IdentityProviderUnavailableError,
  InvalidTokenError,
  InvalidTokenReason,
  TokenRequiredError,
} from './errors.js'
import { type JwtIdentityOptions, resolveJwtIdentityOptions } from './options.js'
import { findToken, type TokenSourceKind } from './token-source.js'
import { type TokenClaims, verifyToken } from './verify-token.js'

const name = 'jwt-identity'
const pkg = `@lambda-session/${name}`

/**
 * The caller, as a verified token identifies it: `context.identity`.
 *
 * @example
 * ```ts
 * const { sub, claims, source } = context.identity
 * const groups = claims['cognito:groups'] ?? []
 * ```
 */
export interface TokenIdentity {
  /** The token's subject (`sub`): the user id at the identity provider. */
  readonly sub: string
  /** Every claim of the verified token (`iss`, `aud`, `exp`, `scope`, `email`, `cognito:groups`, …). */
  readonly claims: Readonly<TokenClaims>
  /** Where the token was found: the `Authorization: Bearer` header or a cookie. */
  readonly source: TokenSourceKind
}

/**
 * A Lambda context after `jwtIdentity` ran. `identity` is always set with
 * `required: true` (the default), and `undefined` for a request without a
 * token under `required: false`. It takes the place of the Lambda context's
 * own `identity` (Cognito Identity Pools, set only for mobile SDK
 * invocations, never behind API Gateway).
 *
 * @example
 * ```ts
 * const app = async (event: APIGatewayProxyEventV2, context: Context & IdentityContext) => context.identity?.sub
 * ```
 */
export interface IdentityContext {
  identity?: TokenIdentity
}

/** The part of Middy's request object this middleware uses; structural, to fit any event and context typing. */
export interface IdentityRequest {
  event: HttpEvent
  context: object & IdentityContext & Partial<SessionContext>
}

/** Expiry is routine (the client refreshes); any other refusal may be an attack or a misconfigured client. */
function logRefusal(error: unknown, source: TokenSourceKind, logger: Logger): void {
  if (error instanceof InvalidTokenError) {
    const routine = error.reason === InvalidTokenReason.Expired || error.reason === InvalidTokenReason.NotYetValid
    logger[routine ? 'info' : 'warn']('token refused', {
      package: pkg,
      event: 'token-rejected',
      reason: error.reason,
      source,
    })
  } else if (error instanceof IdentityProviderUnavailableError) {
    const cause = (error.cause as { data?: unknown } | undefined)?.data
    logger.error('the identity provider keys could not be loaded', {
      package: pkg,
      event: 'jwks-unavailable',
      error: String(cause),
    })
  }
}

/**
 * Middy middleware (`before`): finds a JWT in the `Authorization: Bearer`
 * header and/or a cookie, verifies it with `aws-jwt-verify` (signature
 * against the issuer's JWKS, `exp`/`nbf`, issuer, audience; for Cognito
 * also `token_use` and `client_id`) and puts the caller on
 * `context.identity` as `{ sub, claims, source }`.
 *
 * - token valid: `context.identity` set; with `bindSession: true` the
 *   session loaded by `sessionLoader` becomes the subject's
 *   (`context.session.userId === sub`);
 * - token present but invalid (expired, wrong issuer or audience, tampered,
 *   unsigned, unknown key): `InvalidTokenError`, 401 with
 *   `WWW-Authenticate: Bearer error="invalid_token"`;
 * - no token: `TokenRequiredError` (401), or `context.identity` undefined
 *   with `required: false`;
 * - JWKS unreachable: `IdentityProviderUnavailableError`, 503.
 *
 * The verifier, and with it the JWKS cache, is built here, once per
 * middleware: build the handler at module scope and every warm invocation
 * reuses the keys fetched by the first.
 *
 * @param opts - {@link JwtIdentityOptions}: one of `cognito`, `issuer` + `audience`, or `verifier`
 * @example
 * ```ts
 * export const handler = middy(app)
 *   .use(jwtIdentity({ cognito: { userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789', tokenUse: 'access' } }))
 *   .use(httpErrorHandler())
 * // app: async (event, context) => ({ statusCode: 200, body: `hello ${context.identity.sub}` })
 * ```
 */
export const jwtIdentity = (opts: JwtIdentityOptions) => {
  const options = resolveJwtIdentityOptions(opts)
  const { verifier, sources, required, bindSession, logger } = options

  const jwtIdentityMiddlewareBefore = async (request: IdentityRequest): Promise<void> => {
    const { context } = request
    // Never let an identity from elsewhere (a reused context, the Lambda runtime's own field) pass for a verified one.
    context.identity = undefined
    const found = findToken(request.event, sources)
    if (!found) {
      logger.debug('no token in the request', { package: pkg, event: 'token-missing', required })
      if (required) throw new TokenRequiredError()
      return
    }
    if (found.candidates > 1) {
      logger.warn('several different token cookies; using the first', { package: pkg, event: 'cookie-ambiguous' })
    }

    let claims: TokenClaims & { sub: string }
    try {
      claims = await verifyToken(verifier, found.token)
    } catch (error) {
      logRefusal(error, found.source, logger)
      throw error
    }

    context.identity = { sub: claims.sub, claims, source: found.source }
    logger.debug('token verified', { package: pkg, event: 'token-verified', source: found.source })
    if (bindSession) bindSessionToSubject(context, claims.sub, logger)
  }

  return { before: jwtIdentityMiddlewareBefore }
}
