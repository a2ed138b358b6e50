import { ConfigurationError, type Logger, silentLogger } from '@lambda-session/core'
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify'
import type { JwksCache } from 'aws-jwt-verify/jwk'
import { resolveSources, type TokenSource } from './token-source.js'
import type { TokenVerifier } from './verify-token.js'

const pkg = '@lambda-session/jwt-identity'

/**
 * A Cognito User Pool whose tokens are accepted. The issuer and JWKS URI
 * follow from the pool id.
 *
 * @example
 * ```ts
 * const cognito: CognitoOptions = { userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789', tokenUse: 'access' }
 * ```
 */
export interface CognitoOptions {
  /** The pool id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string
  /** The app client id(s) accepted (the ID token's `aud`, the access token's `client_id`); `null` skips the check. */
  clientId: string | string[] | null
  /** `'access'` for APIs (the OAuth 2.0 way), `'id'` when the client sends ID tokens; `null` accepts both. */
  tokenUse: 'id' | 'access' | null
}

/**
 * Options of {@link jwtIdentity}. Give exactly one of `verifier`, `issuer`
 * (with `audience`) or `cognito`.
 *
 * @example
 * ```ts
 * const options: JwtIdentityOptions = {
 *   issuer: 'https://login.example.com/',
 *   audience: 'https://api.example.com',
 *   from: ['authorization', { cookie: '__Host-access_token' }],
 *   required: false,
 * }
 * ```
 */
export interface JwtIdentityOptions {
  /**
   * A verifier you built, for what the other options don't cover (`scope`,
   * `graceSeconds`, several issuers, `customJwtCheck`), e.g.
   * `JwtVerifier.create({ … })` from `aws-jwt-verify`. Build it at module
   * scope, so its JWKS cache outlives the invocation.
   * @default none
   */
  verifier?: TokenVerifier
  /** A generic OIDC issuer: the exact `iss` of its tokens. @default none */
  issuer?: string
  /** With `issuer`: the `aud` value(s) accepted; `null` skips the check (rarely right). @default none (required with `issuer`) */
  audience?: string | string[] | null
  /** With `issuer`: where its keys are published (HTTPS). @default `${issuer}/.well-known/jwks.json` */
  jwksUri?: string
  /** A Cognito User Pool. @default none */
  cognito?: CognitoOptions
  /**
   * With `issuer` or `cognito`: the JWKS cache the verifier uses, e.g. a
   * `SimpleJwksCache` with shorter fetch timeouts or one shared between
   * middlewares.
   * @default a new `SimpleJwksCache` per middleware (aws-jwt-verify's default)
   */
  jwksCache?: JwksCache
  /**
   * Where the token is looked for, in order; the first source that carries
   * one is the only one verified.
   * @default 'authorization' (the `Authorization: Bearer` header)
   */
  from?: TokenSource | readonly TokenSource[]
  /**
   * `true`: a request without a token is refused with 401
   * (`TokenRequiredError`). `false`: it reaches the handler with
   * `context.identity` undefined. A token that is present but invalid is
   * refused either way.
   * @default true
   */
  required?: boolean
  /**
   * Bind the server session to the token's subject: `context.session.userId`
   * becomes `sub`, the session id is regenerated when a session changes
   * owner, and a session of another subject is replaced by a fresh one. Needs
   * `sessionLoader` before this middleware.
   * @default false
   */
  bindSession?: boolean
  /**
   * Anything console-shaped (Powertools' `Logger` included): refused tokens
   * with a reason, JWKS failures, session binding. Never a token, a claim or
   * a session id.
   * @default a silent logger
   */
  logger?: Logger
}

const defaults = {
  from: 'authorization',
  required: true,
  bindSession: false,
  logger: silentLogger,
} as const satisfies Pick<Required<JwtIdentityOptions>, 'from' | 'required' | 'bindSession' | 'logger'>

/** {@link JwtIdentityOptions} checked, with the verifier built. */
export interface ResolvedJwtIdentityOptions {
  verifier: TokenVerifier
  sources: readonly TokenSource[]
  required: boolean
  bindSession: boolean
  logger: Logger
}

function configurationError(message: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(`jwtIdentity: ${message}`, { package: pkg, cause })
}

/** aws-jwt-verify's own fetcher speaks HTTPS only; say so now rather than on the first request. */
function checkHttps(uri: string, what: string): void {
  let protocol: string
  try {
    protocol = new URL(uri).protocol
  } catch (error) {
    throw configurationError(`${what} must be an absolute URL, got '${uri}'.`, error)
  }
  if (protocol !== 'https:') {
    throw configurationError(`${what} must be an https:// URL (aws-jwt-verify fetches keys over HTTPS only).`)
  }
}

function cognitoVerifier(cognito: CognitoOptions, jwksCache: JwksCache | undefined): TokenVerifier {
  const { userPoolId, clientId, tokenUse } = cognito
  // aws-jwt-verify would only notice these on the first request; a missing one is a set-up mistake.
  if (clientId === undefined) {
    throw configurationError('`cognito.clientId` is required (or null to skip the check).')
  }
  if (tokenUse === undefined) {
    throw configurationError("`cognito.tokenUse` is required: 'access', 'id' or null.")
  }
  return CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse }, jwksCache && { jwksCache })
}

function oidcVerifier(opts: JwtIdentityOptions, jwksCache: JwksCache | undefined): TokenVerifier {
  const { issuer, audience, jwksUri } = opts
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw configurationError('`issuer` must be a non-empty string.')
  }
  if (audience === undefined) {
    throw configurationError('`audience` is required with `issuer` (or null to skip the check).')
  }
  // A cache of your own brings its own fetcher, which may speak other protocols.
  if (!jwksCache)
    checkHttps(jwksUri ?? issuer, jwksUri === undefined ? '`issuer` (the JWKS URI derives from it)' : '`jwksUri`')
  const properties = jwksUri === undefined ? { issuer, audience } : { issuer, audience, jwksUri }
  return JwtVerifier.create(properties, jwksCache && { jwksCache })
}

function buildVerifier(opts: JwtIdentityOptions): TokenVerifier {
  const given = [opts.verifier, opts.issuer, opts.cognito].filter((option) => option !== undefined).length
  if (given !== 1) {
    throw configurationError('give exactly one of `verifier`, `issuer` (with `audience`) or `cognito`.')
  }
  if (opts.verifier !== undefined) {
    if (typeof opts.verifier?.verify !== 'function') {
      throw configurationError('`verifier` must have a verify(token) method.')
    }
    return opts.verifier
  }
  try {
    return opts.cognito !== undefined
      ? cognitoVerifier(opts.cognito, opts.jwksCache)
      : oidcVerifier(opts, opts.jwksCache)
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    // aws-jwt-verify's ParameterValidationError, e.g. a User Pool id that isn't one.
    throw configurationError(error instanceof Error ? error.message : String(error), error)
  }
}

/** Fills in the defaults, checks the options and builds the verifier: once, when the middleware is created. */
export function resolveJwtIdentityOptions(opts: JwtIdentityOptions): ResolvedJwtIdentityOptions {
  if (typeof opts !== 'object' || opts === null) {
    throw configurationError('pass an options object with `verifier`, `issuer` or `cognito`.')
  }
  return {
    verifier: buildVerifier(opts),
    sources: resolveSources(opts.from ?? defaults.from),
    required: opts.required ?? defaults.required,
    bindSession: opts.bindSession ?? defaults.bindSession,
    logger: opts.logger ?? defaults.logger,
  }
}
