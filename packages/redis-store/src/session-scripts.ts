import { LUA_HELPERS } from './lua-helpers.js'
import { RedisScript } from './redis-script.js'
import { SESSION_FIELDS as F } from './session-fields.js'

/**
 * The session writes as Lua functions, shared by the session store's own
 * scripts and the idempotency store's joint commit, so both check and write
 * with the same text. Each `prepare_<write>(keys, args)` only reads: it
 * answers `nil, refusal` (a list: `{'exists'}`, `{'gone'}`,
 * `{'conflict', key…}`, `{'range', key}`) when the write's conditions fail,
 * else a function that writes. So a script can check everything before it
 * writes anything: Redis runs a script atomically but doesn't roll back one
 * that stops halfway.
 *
 * `keys` and `args` are the write's own lists (`KEYS` and `ARGV` of its
 * session script):
 *
 * - `create`: keys = session[, user set]; args = expiry ms, field/value
 *   pairs. Refused `exists`.
 * - `replace` (regeneration): keys = old session, new session[, user set];
 *   args as `create`. The old session must still exist, so of two
 *   concurrent regenerations only the first succeeds; the other gets `gone`.
 * - `destroy`: keys = session. Deleting a missing session is fine.
 * - `update`: keys = session[, new user set]. args: the change count n,
 *   then n groups of four (kind, key, a, b):
 *   - `s` set: a = expected version, b = JSON text
 *   - `d` delete: a = expected version
 *   - `i` increment: a = the amount
 *   - `a` append: a = JSON text of the non-empty array of values
 *
 *   then touch (lastSeenAt, expiresAt, expiry ms; all '' for none) and the
 *   owner (op: '' keep, '-' remove, '+' set; userId). Refused `gone` when
 *   the session doesn't exist (it is never recreated), `conflict` for moved
 *   versions and values of the wrong type, `range` for an increment past
 *   the largest double. Increments add doubles, as JavaScript does, and
 *   write the shortest text that parses back to the same double; appends
 *   splice JSON text, so no stored value is ever decoded and re-encoded.
 *
 * @internal
 * @example
 * ```ts
 * new RedisScript(`${SESSION_WRITE_LUA}\nlocal apply, refusal = prepare_destroy(KEYS, ARGV)\napply()`)
 * ```
 */
export const SESSION_WRITE_LUA = `${LUA_HELPERS}
local function prepare_create(keys, args)
  if redis.call('EXISTS', keys[1]) == 1 then return nil, {'exists'} end
  return function() write_new(keys[1], keys[2], args[1], args, 2) end
end

local function prepare_replace(keys, args)
  if redis.call('EXISTS', keys[1]) == 0 then return nil, {'gone'} end
  if redis.call('EXISTS', keys[2]) == 1 then return nil, {'exists'} end
  return function()
    retire(keys[1])
    write_new(keys[2], keys[3], args[1], args, 2)
  end
end

local function prepare_destroy(keys, args)
  return function() retire(keys[1]) end
end

local function format_number(x)
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  for precision = 15, 17 do
    local text = string.format('%.' .. precision .. 'g', x)
    if tonumber(text) == x then return text end
  end
end

local function prepare_update(keys, args)
  local key = keys[1]
  if redis.call('EXISTS', key) == 0 then return nil, {'gone'} end
  local count = tonumber(args[1])
  local conflicts, sets, deletes = {}, {}, {}
  for i = 0, count - 1 do
    local at = 2 + i * 4
    local kind, name, a, b = args[at], args[at + 1], args[at + 2], args[at + 3]
    local data_field, version_field = '${F.dataPrefix}' .. name, '${F.versionPrefix}' .. name
    local version = tonumber(redis.call('HGET', key, version_field)) or 0
    local ok, value = true, nil
    if kind == 's' or kind == 'd' then
      ok = version == tonumber(a)
      if kind == 's' then value = b else deletes[#deletes + 1] = data_field end
    else
      local current = redis.call('HGET', key, data_field)
      if kind == 'i' then
        -- A JSON text starting with '-' or a digit is a number; anything else can't be incremented.
        local number = 0
        if current then number = string.match(current, '^-?%d') and tonumber(current) end
        ok = number ~= nil
        if ok then
          value = format_number(number + tonumber(a))
          if value == nil then return nil, {'range', name} end
        end
      elseif not current or current == '[]' then
        value = a
      else
        ok = string.sub(current, 1, 1) == '[' and string.sub(current, -1) == ']'
        value = string.sub(current, 1, -2) .. ',' .. string.sub(a, 2)
      end
    end
    if not ok then conflicts[#conflicts + 1] = name end
    if value then
      sets[#sets + 1] = data_field
      sets[#sets + 1] = value
    end
    sets[#sets + 1] = version_field
    sets[#sets + 1] = tostring(version + 1)
  end
  if #conflicts > 0 then return nil, {'conflict', unpack(conflicts)} end

  return function()
    local base = 2 + count * 4
    local last_seen_at, expires_at, expiry_ms = args[base], args[base + 1], args[base + 2]
    local owner_op, user_id = args[base + 3], args[base + 4]
    local old_user_key = redis.call('HGET', key, '${F.userKey}')
    local user_key = old_user_key
    if expires_at ~= '' then
      for _, item in ipairs({'${F.lastSeenAt}', last_seen_at, '${F.expiresAt}', expires_at}) do sets[#sets + 1] = item end
    end
    if owner_op == '+' then
      user_key = keys[2]
      for _, item in ipairs({'${F.userId}', user_id, '${F.userKey}', user_key}) do sets[#sets + 1] = item end
    elseif owner_op == '-' then
      user_key = false
      deletes[#deletes + 1] = '${F.userId}'
      deletes[#deletes + 1] = '${F.userKey}'
    end
    if #sets > 0 then call_chunked('HSET', key, sets) end
    if #deletes > 0 then call_chunked('HDEL', key, deletes) end
    if old_user_key and old_user_key ~= user_key then redis.call('SREM', old_user_key, key) end
    if expires_at ~= '' then redis.call('PEXPIREAT', key, expiry_ms) end
    if user_key then
      if redis.call('EXISTS', key) == 0 then
        -- Touched into the past: the session expired at once, so it leaves the index too.
        redis.call('SREM', user_key, key)
      elseif owner_op == '+' or expires_at ~= '' then
        redis.call('SADD', user_key, key)
        outlive(user_key, key)
      end
    end
  end
end

local SESSION_WRITES = {
  create = prepare_create,
  replace = prepare_replace,
  destroy = prepare_destroy,
  update = prepare_update,
}
`

/**
 * One session write as a whole script (KEYS and ARGV as in
 * {@link SESSION_WRITE_LUA}): `create` and `replace` answer `ok` or the
 * refusal's name, `update` answers `{'ok'}` or the refusal list.
 */
function sessionWriteScript(write: string, answersList: boolean): string {
  const refused = answersList ? 'refusal' : 'refusal[1]'
  const ok = answersList ? "{'ok'}" : "'ok'"
  return `${SESSION_WRITE_LUA}
local apply, refusal = prepare_${write}(KEYS, ARGV)
if not apply then return ${refused} end
apply()
return ${ok}`
}

const CREATE = sessionWriteScript('create', false)
const REPLACE = sessionWriteScript('replace', false)
const DESTROY = sessionWriteScript('destroy', false)
const UPDATE = sessionWriteScript('update', true)

/**
 * One batch of `destroyUserSessions`: KEYS = user set; ARGV = batch size.
 * Pops members and deletes those sessions still owned by this user (a member
 * whose session ended or changed owner is a leftover). Answers
 * `{deleted, members left}`.
 */
const DESTROY_USER_BATCH = `
local deleted = 0
for _, session_key in ipairs(redis.call('SPOP', KEYS[1], ARGV[1])) do
  if redis.call('HGET', session_key, '${F.userKey}') == KEYS[1] then
    deleted = deleted + redis.call('DEL', session_key)
  end
end
return {deleted, redis.call('SCARD', KEYS[1])}`

/**
 * The session store's scripts, each run by SHA with `RedisScript`.
 *
 * @internal
 * @example
 * ```ts
 * await SESSION_SCRIPTS.destroy.run(client, [sessionKey(prefix, idHash)], [])
 * ```
 */
export const SESSION_SCRIPTS = {
  create: new RedisScript(CREATE),
  replace: new RedisScript(REPLACE),
  destroy: new RedisScript(DESTROY),
  destroyUserBatch: new RedisScript(DESTROY_USER_BATCH),
  update: new RedisScript(UPDATE),
} as const
