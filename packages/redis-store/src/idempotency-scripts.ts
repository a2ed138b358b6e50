import { IdempotencyStatus } from '@lambda-session/core'
import { IDEMPOTENCY_FIELDS as F } from './idempotency-fields.js'
import { RedisScript } from './redis-script.js'

const IN_PROGRESS = IdempotencyStatus.InProgress
const COMPLETED = IdempotencyStatus.Completed

/**
 * `acquire`: KEYS = record; ARGV = now, expiry ms, field/value pairs of the
 * new in-progress record. The key is free when there is no record, when it
 * expired (`expiresAt < now`), or when it is in progress and its lock lapsed
 * (`lockExpiresAt < now`); then the old record is replaced whole (no stale
 * response survives) and the answer is `acquired`. Otherwise the answer is
 * the live record's fields (`HGETALL`), from the same round trip. An
 * unreadable time counts as "not passed", as a DynamoDB condition on a
 * missing attribute does.
 */
const ACQUIRE = `
local key, now = KEYS[1], tonumber(ARGV[1])
if redis.call('EXISTS', key) == 1 then
  local expires_at = tonumber(redis.call('HGET', key, '${F.expiresAt}'))
  local lock_expires_at = tonumber(redis.call('HGET', key, '${F.lockExpiresAt}'))
  local in_progress = redis.call('HGET', key, '${F.status}') == '${IN_PROGRESS}'
  local free = (expires_at ~= nil and expires_at < now) or (in_progress and lock_expires_at ~= nil and lock_expires_at < now)
  if not free then return redis.call('HGETALL', key) end
  redis.call('DEL', key)
end
redis.call('HSET', key, unpack(ARGV, 3))
redis.call('PEXPIREAT', key, ARGV[2])
return 'acquired'`

/** Only the lock's holder, while the record still is in progress, may complete or release it. */
const OWNS_LOCK = `redis.call('HGET', KEYS[1], '${F.lockToken}') == ARGV[1]
  and redis.call('HGET', KEYS[1], '${F.status}') == '${IN_PROGRESS}'`

/** `complete`: KEYS = record; ARGV = lock token, response, expiresAt, expiry ms. Answers 1, or 0 when the lock isn't the caller's. */
const COMPLETE = `
if not (${OWNS_LOCK}) then return 0 end
redis.call('HSET', KEYS[1], '${F.status}', '${COMPLETED}', '${F.response}', ARGV[2], '${F.expiresAt}', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1`

/** `release`: KEYS = record; ARGV = lock token. Answers 1, or 0 when the lock isn't the caller's. */
const RELEASE = `
if not (${OWNS_LOCK}) then return 0 end
redis.call('DEL', KEYS[1])
return 1`

/**
 * The idempotency store's scripts, each run by SHA with `RedisScript`.
 *
 * @internal
 * @example
 * ```ts
 * await IDEMPOTENCY_SCRIPTS.release.run(client, [idempotencyRecordKey(prefix, keyHash)], [lockToken])
 * ```
 */
export const IDEMPOTENCY_SCRIPTS = {
  acquire: new RedisScript(ACQUIRE),
  complete: new RedisScript(COMPLETE),
  release: new RedisScript(RELEASE),
} as const
