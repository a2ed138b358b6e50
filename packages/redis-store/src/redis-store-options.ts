import { ConfigurationError, type Logger, silentLogger } from '@lambda-session/core'
import type { RedisClient } from './redis-client.js'
import { PACKAGE_NAME } from './redis-errors.js'

/** Options of `RedisSessionStore` and `RedisIdempotencyStore`. */
export interface RedisStoreOptions {
  /**
   * The client, shared with your other stores and created once outside the
   * handler. Give it `redisClientDefaults` (timeouts, no resending of
   * unanswered writes) or settings like them.
   */
  client: RedisClient
  /**
   * Prefix of every key the store writes, so it can share a database with
   * other data. On a cluster it must hold a hash tag (e.g. `'{ls}:'`): a
   * regeneration and the per-user index touch several keys in one atomic
   * script, and Redis Cluster only allows that within one hash slot.
   * @default 'ls:'
   */
  keyPrefix?: string
  /**
   * The store's own deadline per call in ms: past it the call fails with a
   * 503, whatever the client's settings. Keep it below the function's
   * timeout minus `timeout-watchdog`'s margin.
   * @default 2000
   */
  timeoutMs?: number
  /**
   * Where malformed records and conflicts are reported. Never receives
   * session data, ids, key hashes or lock tokens.
   * @default silentLogger
   */
  logger?: Logger
}

/**
 * Defaults of {@link RedisStoreOptions}.
 *
 * @example
 * ```ts
 * redisStoreDefaults.keyPrefix // 'ls:'
 * ```
 */
export const redisStoreDefaults = {
  /** @default 'ls:' */
  keyPrefix: 'ls:',
  /** @default 2000 */
  timeoutMs: 2000,
} as const

/** Options with the defaults filled in and checked. @internal */
export interface ResolvedRedisStoreOptions {
  client: RedisClient
  keyPrefix: string
  timeoutMs: number
  logger: Logger
}

/** Redis Cluster hashes only the part between the first `{` and the next `}`, when that part isn't empty. */
const HASH_TAG = /^[^{]*\{([^}]+)\}/

/**
 * The hash tag of a key prefix (`'ls'` of `'{ls}:'`), or `undefined`
 * without one. Every key under a prefix with a tag hashes to the tag's
 * cluster slot, so keys under prefixes with the same tag share a slot.
 *
 * @internal
 * @example
 * ```ts
 * hashTagOf('{ls}:') // 'ls'
 * hashTagOf('ls:') // undefined
 * ```
 */
export function hashTagOf(keyPrefix: string): string | undefined {
  return HASH_TAG.exec(keyPrefix)?.[1]
}

/**
 * Fills in the defaults and refuses a wrong set-up when the store is
 * created, not at the first request.
 *
 * @internal
 * @example
 * ```ts
 * const { client, keyPrefix } = resolveRedisStoreOptions(options, 'RedisSessionStore')
 * ```
 */
export function resolveRedisStoreOptions(
  options: RedisStoreOptions | undefined,
  storeName: string,
): ResolvedRedisStoreOptions {
  const cause = { package: PACKAGE_NAME }
  const { client, keyPrefix = redisStoreDefaults.keyPrefix, timeoutMs = redisStoreDefaults.timeoutMs } = options ?? {}
  if (!client || typeof client.evalsha !== 'function' || typeof client.hgetall !== 'function') {
    throw new ConfigurationError(`${storeName} needs \`client\`: an ioredis or iovalkey client.`, cause)
  }
  if (typeof keyPrefix !== 'string') throw new ConfigurationError(`${storeName}: keyPrefix must be a string.`, cause)
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigurationError(`${storeName}: timeoutMs must be a positive number of milliseconds.`, cause)
  }
  if (client.isCluster && !HASH_TAG.test(keyPrefix)) {
    throw new ConfigurationError(
      `${storeName} on a Redis Cluster needs a keyPrefix with a hash tag, such as '{ls}:', so the keys one ` +
        'atomic script touches share a hash slot.',
      cause,
    )
  }
  return { client, keyPrefix, timeoutMs, logger: options?.logger ?? silentLogger }
}
