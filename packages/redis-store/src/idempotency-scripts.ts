import { IdempotencyStatus } from '@lambda-session/core'
import { IDEMPOTENCY_FIELDS as F } from './idempotency-fields.js'
import { RedisScript } from './redis-script.js'
import { SESSION_WRITE_LUA } from './session-scripts.js'

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

/**
 * Lua functions of the idempotency record the scripts share:
 *
 * - `owns_lock(key, token)`: only the lock's holder, while the record still
 *   is in progress, may complete or release it.
 * - `completed_by(key, token)`: the record was completed under `token`, so
 *   by that token's own earlier call (a new holder's `acquire` replaces the
 *   whole record, token included).
 * - `mark_completed(key, response, expires_at, expiry_ms)`: stores the
 *   response and marks the record completed.
 */
const RECORD_LUA = `
local function owns_lock(key, token)
  return redis.call('HGET', key, '${F.lockToken}') == token
    and redis.call('HGET', key, '${F.status}') == '${IN_PROGRESS}'
end

local function completed_by(key, token)
  return redis.call('HGET', key, '${F.lockToken}') == token
    and redis.call('HGET', key, '${F.status}') == '${COMPLETED}'
end

local function mark_completed(key, response, expires_at, expiry_ms)
  redis.call('HSET', key, '${F.status}', '${COMPLETED}', '${F.response}', response, '${F.expiresAt}', expires_at)
  redis.call('PEXPIREAT', key, expiry_ms)
end
`

/** `complete`: KEYS = record; ARGV = lock token, response, expiresAt, expiry ms. Answers 1, or 0 when the lock isn't the caller's. */
const COMPLETE = `${RECORD_LUA}
if not owns_lock(KEYS[1], ARGV[1]) then return 0 end
mark_completed(KEYS[1], ARGV[2], ARGV[3], ARGV[4])
return 1`

/** `release`: KEYS = record; ARGV = lock token. Answers 1, or 0 when the lock isn't the caller's. */
const RELEASE = `${RECORD_LUA}
if not owns_lock(KEYS[1], ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`

/**
 * `completeWithSessionWrite`: `complete` and one session write in one
 * script. KEYS = record, then the session write's keys; ARGV = lock token,
 * response, expiresAt, expiry ms, the session write's name (`create`,
 * `update`, `replace`, `destroy`), then its arguments (layouts in
 * `SESSION_WRITE_LUA`). Every condition is checked before anything is
 * written, the lock first. Answers:
 *
 * - `{'ok'}`: both written;
 * - `{'done'}`: nothing written, the record was completed under this lock
 *   token already (an earlier call of the same commit landed);
 * - `{'lost'}`: nothing written, the lock isn't the caller's;
 * - `{'session', refusal…}`: nothing written, the session write's
 *   conditions failed (the refusal as its own script answers it).
 */
const COMPLETE_WITH_SESSION_WRITE = `${SESSION_WRITE_LUA}${RECORD_LUA}
local record, token = KEYS[1], ARGV[1]
if not owns_lock(record, token) then
  if completed_by(record, token) then return {'done'} end
  return {'lost'}
end
local keys, args = {}, {}
for i = 2, #KEYS do keys[#keys + 1] = KEYS[i] end
for i = 6, #ARGV do args[#args + 1] = ARGV[i] end
local apply, refusal = SESSION_WRITES[ARGV[5]](keys, args)
if not apply then return {'session', unpack(refusal)} end
-- The session first: should a write fail halfway (a foreign key of the wrong
-- type), the record stays in progress and the guard releases it.
apply()
mark_completed(record, ARGV[2], ARGV[3], ARGV[4])
return {'ok'}`

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
  completeWithSessionWrite: new RedisScript(COMPLETE_WITH_SESSION_WRITE),
} as const
