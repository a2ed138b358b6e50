import type { RedisArgument, RedisClient } from '@lambda-session/redis-store'

/** A Redis client with its commands counted, as `trackDynamoDBCalls` counts SDK commands. */
export interface CountedRedisClient {
  client: RedisClient
  /** Commands sent since the last reset, by name (`HGETALL`, `EVALSHA`, `EVAL`). */
  readonly counts: Record<string, number>
  reset(): void
}

/**
 * Wraps the three commands the Redis stores send; each call is one round
 * trip to the server (the stores pipeline nothing), so the count is the
 * round-trip count.
 */
export function countRedisCommands(inner: RedisClient): CountedRedisClient {
  const counts: Record<string, number> = {}
  const count = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1
  }
  const client: RedisClient = {
    evalsha(sha: string, numKeys: number, ...args: RedisArgument[]) {
      count('EVALSHA')
      return inner.evalsha(sha, numKeys, ...args)
    },
    eval(script: string, numKeys: number, ...args: RedisArgument[]) {
      count('EVAL')
      return inner.eval(script, numKeys, ...args)
    },
    hgetall(key: string) {
      count('HGETALL')
      return inner.hgetall(key)
    },
  }
  return {
    client,
    counts,
    reset() {
      for (const name of Object.keys(counts)) delete counts[name]
    },
  }
}
