/** A value a Redis command takes as an argument. */
export type RedisArgument = string | number

/**
 * What the stores need of a Redis client: scripts and one hash read. An
 * `ioredis` `Redis` or `Cluster` fits, and so does an `iovalkey` client
 * (same API); the type is structural so the stores never import a client
 * library at runtime.
 */
export interface RedisClient {
  /** `EVALSHA sha numkeys key… arg…`: runs a script Redis has cached. */
  evalsha(sha: string, numKeys: number, ...args: RedisArgument[]): Promise<unknown>
  /** `EVAL script numkeys key… arg…`: runs (and caches) a script. */
  eval(script: string, numKeys: number, ...args: RedisArgument[]): Promise<unknown>
  /** `HGETALL key`: every field of a hash, `{}` when the key is missing. */
  hgetall(key: string): Promise<Record<string, string>>
  /** `true` on an `ioredis`/`iovalkey` `Cluster`. */
  readonly isCluster?: boolean
}

/**
 * `ioredis`/`iovalkey` client options for a Lambda function: an outage
 * becomes a quick 503, not a hung invocation, and no write is ever sent
 * twice. Spread them into the client's options; anything you pass after
 * them wins.
 *
 * - `connectTimeout: 1000`: ms to open the TCP (and TLS) connection; the
 *   client's default is 10 s.
 * - `commandTimeout: 1000`: ms a command may wait for its answer, counted
 *   from the call, so it also bounds commands queued while the client
 *   reconnects; the client's default is no limit.
 * - `maxRetriesPerRequest: 1`: queued commands fail after one failed
 *   reconnection instead of 20.
 * - `autoResendUnfulfilledCommands: false`: a script whose answer was lost
 *   with its connection may have run; sending it again after reconnecting
 *   could apply an `increment` twice. It fails instead (a 503 the client
 *   retries), as the DynamoDB store does.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { redisClientDefaults } from '@lambda-session/redis-store'
 *
 * // Outside the handler: one connection per container, reused by every invocation.
 * const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { ...redisClientDefaults })
 * ```
 */
export const redisClientDefaults = {
  /** @default 1000 */
  connectTimeout: 1000,
  /** @default 1000 */
  commandTimeout: 1000,
  /** @default 1 */
  maxRetriesPerRequest: 1,
  /** @default false */
  autoResendUnfulfilledCommands: false,
} as const
