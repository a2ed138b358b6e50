import type { SessionRecord } from '@lambda-session/core'
import { checkSessionKey, encodeJsonValue } from './json-value.js'

/**
 * Field names of a session's hash. Data and versions share the hash under
 * two prefixes, so one key holds the whole session: one `HGETALL` reads it,
 * one `PEXPIREAT` expires it, one `DEL` ends it. The timestamp fields can't
 * clash with them: they don't start with `d:` or `v:`.
 *
 * @example
 * ```ts
 * `${SESSION_FIELDS.dataPrefix}cart` // 'd:cart': the JSON text of session key 'cart'
 * ```
 */
export const SESSION_FIELDS = {
  /** `d:<key>`: the JSON text of a session value. */
  dataPrefix: 'd:',
  /** `v:<key>`: the key's write counter (an integer). Kept after a delete, as a tombstone. */
  versionPrefix: 'v:',
  /** Creation time (epoch ms). */
  createdAt: 'createdAt',
  /** Last time the session was seen (epoch ms). */
  lastSeenAt: 'lastSeenAt',
  /** Latest expiry (epoch ms); the key's own expiry (`PEXPIREAT`) is set to it. */
  expiresAt: 'expiresAt',
  /** The owner, when there is one. */
  userId: 'userId',
  /** The key of the owner's set in the user index, so a script can leave it without rebuilding its name. */
  userKey: 'userKey',
} as const

/**
 * Redis expires keys at whole milliseconds; rounding up never expires a session early.
 *
 * @internal
 * @example
 * ```ts
 * expiryMs(1_700_000_000_000.4) // 1_700_000_000_001
 * ```
 */
export function expiryMs(expiresAt: number): number {
  return Math.ceil(expiresAt)
}

function checkTime(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite epoch ms.`)
}

function checkVersion(version: unknown, key: string): void {
  if (!Number.isSafeInteger(version) || (version as number) < 0) {
    throw new TypeError(`Session version of '${key}' must be a non-negative integer.`)
  }
}

/**
 * The hash fields `create` and `replace` write, as `field, value, …` pairs
 * (the owner's `userKey` is added by the script). Throws a `TypeError` for
 * anything the hash can't hold faithfully, before any request.
 *
 * @internal
 * @example
 * ```ts
 * sessionRecordFields(record) // ['createdAt', '1700000000000', …, 'd:cart', '[]', 'v:cart', '1']
 * ```
 */
export function sessionRecordFields(record: SessionRecord): string[] {
  checkTime(record.createdAt, 'createdAt')
  checkTime(record.lastSeenAt, 'lastSeenAt')
  checkTime(record.expiresAt, 'expiresAt')
  if (record.userId !== undefined && (typeof record.userId !== 'string' || record.userId === '')) {
    throw new TypeError('Session userId must be a non-empty string.')
  }
  const fields = [
    SESSION_FIELDS.createdAt,
    String(record.createdAt),
    SESSION_FIELDS.lastSeenAt,
    String(record.lastSeenAt),
    SESSION_FIELDS.expiresAt,
    String(record.expiresAt),
  ]
  if (record.userId !== undefined) fields.push(SESSION_FIELDS.userId, record.userId)
  for (const [key, value] of Object.entries(record.data)) {
    checkSessionKey(key)
    // Like a JSON object member, an `undefined` value is no value.
    if (value !== undefined) fields.push(`${SESSION_FIELDS.dataPrefix}${key}`, encodeJsonValue(value, key))
  }
  for (const [key, version] of Object.entries(record.versions)) {
    checkSessionKey(key)
    checkVersion(version, key)
    fields.push(`${SESSION_FIELDS.versionPrefix}${key}`, String(version))
  }
  return fields
}

/** Result of reading a hash back: a record, or why the hash can't be one. @internal */
export type ParsedSessionHash = { ok: true; record: SessionRecord } | { ok: false; reason: string }

function readTime(hash: Record<string, string>, field: string): number | undefined {
  const text = hash[field]
  if (text === undefined || text.trim() === '') return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/** Sets a member without going through `__proto__`'s setter: a key named `__proto__` is data like any other. */
function defineMember(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * Reads a session's hash (`HGETALL`) back into a record. Anything unexpected
 * (a missing timestamp, a value that is not JSON, a version that is not a
 * count) makes it malformed instead of throwing: a bad hash must read as "no
 * session", never as a 500 or as somebody else's data. Unknown fields are
 * ignored.
 *
 * @internal
 * @example
 * ```ts
 * const parsed = parseSessionHash(await client.hgetall(key), idHash)
 * if (parsed.ok) return parsed.record
 * ```
 */
export function parseSessionHash(hash: Record<string, string>, idHash: string): ParsedSessionHash {
  const createdAt = readTime(hash, SESSION_FIELDS.createdAt)
  const lastSeenAt = readTime(hash, SESSION_FIELDS.lastSeenAt)
  const expiresAt = readTime(hash, SESSION_FIELDS.expiresAt)
  if (createdAt === undefined || lastSeenAt === undefined || expiresAt === undefined) {
    return { ok: false, reason: 'a timestamp is missing or not a number' }
  }
  const data: Record<string, unknown> = {}
  const versions: Record<string, number> = {}
  for (const [field, text] of Object.entries(hash)) {
    if (field.startsWith(SESSION_FIELDS.dataPrefix)) {
      try {
        defineMember(data, field.slice(SESSION_FIELDS.dataPrefix.length), JSON.parse(text))
      } catch {
        return { ok: false, reason: 'a value is not JSON' }
      }
    } else if (field.startsWith(SESSION_FIELDS.versionPrefix)) {
      const version = /^\d+$/.test(text) ? Number(text) : Number.NaN
      if (!Number.isSafeInteger(version)) return { ok: false, reason: 'a key version is not a count' }
      defineMember(versions, field.slice(SESSION_FIELDS.versionPrefix.length), version)
    }
  }
  const userId = hash[SESSION_FIELDS.userId]
  if (userId === '') return { ok: false, reason: 'userId is empty' }
  const record: SessionRecord = { idHash, data, versions, createdAt, lastSeenAt, expiresAt }
  if (userId !== undefined) record.userId = userId
  return { ok: true, record }
}
