import type { SerializeOptions } from 'cookie'
import { ConfigurationError } from './errors.js'
import { DYNAMODB_MAX_ITEM_BYTES } from './item-size.js'
import { type Logger, silentLogger } from './logger.js'
import { isSealedSessionStore, type SessionSealer, type SessionStore } from './session-store.js'
import { SignedCookieCodec } from './signed-cookie.js'

/** Cookie attributes; every one can be overridden. */
export interface SessionCookieOptions {
  /** @default true */
  httpOnly?: boolean
  /** Set `false` only for plain-http local clients. @default true */
  secure?: boolean
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none' | boolean
  /** @default '/' */
  path?: string
  /** @default undefined (host-only cookie) */
  domain?: string
  /** CHIPS partitioned cookie (needs `secure` and usually `sameSite: 'none'`). @default false */
  partitioned?: boolean
  /** Seconds the browser keeps the cookie; `undefined` makes it a browser-session cookie. @default undefined */
  maxAge?: number
}

/**
 * The options object `sessionLoader` and `sessionSaver` share (pass the same
 * object to both).
 *
 * @example
 * ```ts
 * const options: SessionOptions = { store, secrets: [process.env.SESSION_SECRET] }
 * middy(app).use(httpCookieParser()).use(sessionLoader(options)).use(sessionSaver(options))
 * ```
 */
export interface SessionOptions {
  /**
   * Where sessions are stored, e.g. `new DynamoDBSessionStore({ client, tableName })`, or
   * `new CookieSessionStore()` to seal the whole session into the cookie (a `SealedSessionStore`).
   */
  store: SessionStore
  /**
   * Secrets, at least 32 characters each: the first signs, all verify (rotation). A sealed
   * store derives its encryption keys from them the same way: the first seals, all unseal.
   */
  secrets: readonly (string | undefined)[]
  /** @default 'sid' */
  cookieName?: string
  /** Cookie attributes. @default { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } */
  cookie?: SessionCookieOptions
  /** A session unused for this long is over. @default 86400 (1 day) */
  idleTimeoutSeconds?: number
  /** A session older than this is over, however active. @default 604800 (7 days) */
  absoluteTimeoutSeconds?: number
  /** Sliding expiry writes `lastSeenAt` at most once per this interval. @default 300 */
  touchIntervalSeconds?: number
  /** Loader only: answer 401 (`SessionRequiredError`) when there is no valid session. @default false */
  required?: boolean
  /** Largest session item accepted, checked before every write. @default 409600 (DynamoDB's 400 KB) */
  maxSessionBytes?: number
  /** Structured logs of forged cookies, conflicts, late writes. @default silent */
  logger?: Logger
  /** Clock in epoch ms; tests pass a controllable one. @default Date.now */
  clock?: () => number
}

/** {@link SessionOptions} with every default filled in and the secrets checked. */
export interface ResolvedSessionOptions {
  store: SessionStore
  codec: SignedCookieCodec
  cookieName: string
  cookie: SerializeOptions
  idleTimeoutMs: number
  absoluteTimeoutMs: number
  touchIntervalMs: number
  required: boolean
  maxSessionBytes: number
  logger: Logger
  clock: () => number
  /**
   * Set when `store` is a `SealedSessionStore`: the loader unseals the session
   * from the cookie and the saver seals it back, and neither calls `store`.
   */
  sealer?: SessionSealer
}

/** The defaults of {@link SessionOptions}. */
export const sessionDefaults = {
  cookieName: 'sid',
  cookie: { httpOnly: true, secure: true, sameSite: 'lax', path: '/' },
  idleTimeoutSeconds: 86_400,
  absoluteTimeoutSeconds: 604_800,
  touchIntervalSeconds: 300,
  required: false,
  maxSessionBytes: DYNAMODB_MAX_ITEM_BYTES,
} as const

const resolvedByOptions = new WeakMap<SessionOptions, ResolvedSessionOptions>()

function positiveSeconds(name: string, value: number, packageName: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive number of seconds, got ${value}.`, {
      package: packageName,
    })
  }
  return value * 1000
}

/**
 * Checks the options once and fills in defaults. Loader and saver given the
 * same object share one resolved copy (and one key ring).
 */
export function resolveSessionOptions(options: SessionOptions, packageName: string): ResolvedSessionOptions {
  const cached = resolvedByOptions.get(options)
  if (cached) return cached
  if (!options || typeof options.store?.load !== 'function') {
    throw new ConfigurationError(
      'options.store is required: pass e.g. new DynamoDBSessionStore({ client, tableName }).',
      { package: packageName },
    )
  }
  const resolved: ResolvedSessionOptions = {
    store: options.store,
    codec: new SignedCookieCodec(options.secrets, packageName),
    cookieName: options.cookieName ?? sessionDefaults.cookieName,
    cookie: { ...sessionDefaults.cookie, ...options.cookie },
    idleTimeoutMs: positiveSeconds(
      'idleTimeoutSeconds',
      options.idleTimeoutSeconds ?? sessionDefaults.idleTimeoutSeconds,
      packageName,
    ),
    absoluteTimeoutMs: positiveSeconds(
      'absoluteTimeoutSeconds',
      options.absoluteTimeoutSeconds ?? sessionDefaults.absoluteTimeoutSeconds,
      packageName,
    ),
    touchIntervalMs: positiveSeconds(
      'touchIntervalSeconds',
      options.touchIntervalSeconds ?? sessionDefaults.touchIntervalSeconds,
      packageName,
    ),
    required: options.required ?? sessionDefaults.required,
    maxSessionBytes: options.maxSessionBytes ?? sessionDefaults.maxSessionBytes,
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? Date.now,
  }
  // A sealed store keeps the session in the cookie: it is keyed by the same secrets (checked above by the codec).
  if (isSealedSessionStore(options.store)) resolved.sealer = options.store.createSealer(options.secrets, packageName)
  resolvedByOptions.set(options, resolved)
  return resolved
}
