import {
  ConfigurationError,
  type HttpEvent,
  type HttpResponse,
  type IdempotencyStore,
  type Logger,
  silentLogger,
} from '@lambda-session/core'
import { defaultFingerprint } from './fingerprint.js'
import { defaultScope, type ScopeInput } from './scope.js'

/** Options of `idempotencyGuard`. */
export interface IdempotencyGuardOptions {
  /** Where records live, e.g. `new DynamoDBIdempotencyStore({ client, tableName })`. */
  store: IdempotencyStore
  /** The request header holding the key. @default 'Idempotency-Key' */
  headerName?: string
  /** `true`: a request without the key gets 400; `false`: it passes through unguarded. @default false */
  required?: boolean
  /** Methods the guard applies to; others pass through. @default ['POST', 'PATCH'] */
  methods?: readonly string[]
  /**
   * What keeps two callers' keys apart. @default function name + route +
   * caller (the loaded session, else the authorizer's principal, else 'anonymous')
   */
  scope?: (input: ScopeInput) => string
  /** What a repeat must match (else 422); the value is hashed. @default method + path + query + canonical body */
  fingerprint?: (event: HttpEvent) => unknown
  /** How long a completed record replays. @default 86400 (24 h) */
  recordTtlSeconds?: number
  /** Lock length when the context has no `getRemainingTimeInMillis` (local runs, tests). @default 30 */
  lockTimeoutSeconds?: number
  /** Cap on the `Retry-After` of a 409. @default 30 */
  maxRetryAfterSeconds?: number
  /** Which final responses are stored; the others release the key. @default status below 500 */
  shouldStore?: (response: HttpResponse) => boolean
  /** Responses whose stored form is larger are returned but not stored (and the key released). @default 358400 (350 KB) */
  maxResponseBytes?: number
  /** A per-container LRU of completed records: replays from it cost no round trip. @default off */
  localCache?: { maxEntries: number; ttlSeconds?: number }
  /** Anything console-shaped. @default silent */
  logger?: Logger
  /** Epoch-ms clock. @default Date.now */
  clock?: () => number
}

/** The options with defaults applied. */
export interface ResolvedGuardOptions {
  store: IdempotencyStore
  headerName: string
  required: boolean
  methods: ReadonlySet<string>
  scope: (input: ScopeInput) => string
  fingerprint: (event: HttpEvent) => unknown
  recordTtlMs: number
  lockTimeoutMs: number
  maxRetryAfterSeconds: number
  shouldStore: (response: HttpResponse) => boolean
  maxResponseBytes: number
  localCache: { maxEntries: number; ttlMs: number } | undefined
  logger: Logger
  clock: () => number
}

/** The defaults of {@link IdempotencyGuardOptions}. */
export const idempotencyGuardDefaults = {
  headerName: 'Idempotency-Key',
  required: false,
  methods: ['POST', 'PATCH'],
  recordTtlSeconds: 86_400,
  lockTimeoutSeconds: 30,
  maxRetryAfterSeconds: 30,
  maxResponseBytes: 350 * 1024,
  localCacheTtlSeconds: 300,
} as const

export function resolveGuardOptions(options: IdempotencyGuardOptions): ResolvedGuardOptions {
  const pkg = '@lambda-session/idempotency-guard'
  if (!options || typeof options.store?.acquire !== 'function') {
    throw new ConfigurationError(
      'options.store is required: pass e.g. new DynamoDBIdempotencyStore({ client, tableName }).',
      { package: pkg },
    )
  }
  const cache = options.localCache
  if (cache && !(Number.isInteger(cache.maxEntries) && cache.maxEntries > 0)) {
    throw new ConfigurationError('localCache.maxEntries must be a positive whole number.', { package: pkg })
  }
  return {
    store: options.store,
    headerName: options.headerName ?? idempotencyGuardDefaults.headerName,
    required: options.required ?? idempotencyGuardDefaults.required,
    methods: new Set((options.methods ?? idempotencyGuardDefaults.methods).map((m) => m.toUpperCase())),
    scope: options.scope ?? defaultScope,
    fingerprint: options.fingerprint ?? defaultFingerprint,
    recordTtlMs: (options.recordTtlSeconds ?? idempotencyGuardDefaults.recordTtlSeconds) * 1000,
    lockTimeoutMs: (options.lockTimeoutSeconds ?? idempotencyGuardDefaults.lockTimeoutSeconds) * 1000,
    maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? idempotencyGuardDefaults.maxRetryAfterSeconds,
    shouldStore: options.shouldStore ?? ((response) => response.statusCode < 500),
    maxResponseBytes: options.maxResponseBytes ?? idempotencyGuardDefaults.maxResponseBytes,
    localCache: cache
      ? {
          maxEntries: cache.maxEntries,
          ttlMs: (cache.ttlSeconds ?? idempotencyGuardDefaults.localCacheTtlSeconds) * 1000,
        }
      : undefined,
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? Date.now,
  }
}
