import { SESSION_FIELDS } from './session-fields.js'

/**
 * Lua functions the session scripts share, prepended to each script's
 * source. Scripts only touch keys given in `KEYS` or stored by an earlier
 * script (a session's `userKey`, a user set's members), never names built
 * from strings in Lua, so a client-side `keyPrefix` or a cluster hash tag
 * applies to every key alike.
 *
 * - `call_chunked(command, key, list)`: `HSET`/`HDEL` with many arguments in
 *   chunks, because Lua's `unpack` is limited by the C stack (about 8000).
 * - `outlive(set_key, session_key)`: makes a user set expire no earlier than
 *   the session just added or extended, using relative TTLs only (no server
 *   clock, no float maths).
 * - `retire(session_key)`: deletes a session and takes it out of its user set.
 * - `write_new(session_key, user_key, expiry_ms, args, first)`: writes a new
 *   session from `args[first..]` (field/value pairs), indexes it under its
 *   user and sets its expiry. `args` is a list, not `ARGV` itself, so a
 *   script whose session arguments come after others can pass its slice.
 *
 * @internal
 * @example
 * ```ts
 * new RedisScript(`${LUA_HELPERS}\nreturn retire(KEYS[1])`)
 * ```
 */
export const LUA_HELPERS = `
local function call_chunked(command, key, list)
  local step = 200
  for first = 1, #list, step do
    redis.call(command, key, unpack(list, first, math.min(first + step - 1, #list)))
  end
end

local function outlive(set_key, session_key)
  local need = redis.call('PTTL', session_key)
  local have = redis.call('PTTL', set_key)
  if need == -2 or have == -2 then return end
  if need == -1 then
    if have ~= -1 then redis.call('PERSIST', set_key) end
  elseif have == -1 or have < need then
    redis.call('PEXPIRE', set_key, need)
  end
end

local function retire(session_key)
  local user_key = redis.call('HGET', session_key, '${SESSION_FIELDS.userKey}')
  if user_key then redis.call('SREM', user_key, session_key) end
  return redis.call('DEL', session_key)
end

local function write_new(session_key, user_key, expiry_ms, args, first)
  local fields = {}
  for i = first, #args do fields[#fields + 1] = args[i] end
  if user_key then
    fields[#fields + 1] = '${SESSION_FIELDS.userKey}'
    fields[#fields + 1] = user_key
  end
  call_chunked('HSET', session_key, fields)
  redis.call('PEXPIREAT', session_key, expiry_ms)
  -- An expiry already past deletes the session at once: then there is nothing to index.
  if user_key and redis.call('EXISTS', session_key) == 1 then
    redis.call('SADD', user_key, session_key)
    outlive(user_key, session_key)
  end
end
`
