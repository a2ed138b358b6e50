import { createHash } from 'node:crypto'
import type { RedisArgument, RedisClient } from './redis-client.js'

/** Whether an error is Redis saying it doesn't have the script cached (after a restart, failover or `SCRIPT FLUSH`). */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

/**
 * A Lua script run by its SHA-1 (`EVALSHA`), so each call sends only the
 * arguments: one round trip. When the server lacks it (a new node after a
 * failover, a restart), the call falls back to `EVAL`, which also caches it;
 * that costs one extra round trip once per node. The client is never
 * modified (no `defineCommand`), so a client shared with other code stays
 * as it was.
 *
 * @internal
 * @example
 * ```ts
 * const destroy = new RedisScript("return redis.call('DEL', KEYS[1])")
 * await destroy.run(client, ['ls:s:abc'], [])
 * ```
 */
export class RedisScript {
  /** The Lua source. */
  readonly source: string
  /** SHA-1 of the source: the name Redis caches it under. */
  readonly sha: string

  constructor(source: string) {
    this.source = source
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  /** Runs the script with `keys` as `KEYS` and `args` as `ARGV`. */
  async run(client: RedisClient, keys: readonly string[], args: readonly RedisArgument[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!isNoScript(error)) throw error
      return client.eval(this.source, keys.length, ...keys, ...args)
    }
  }
}
