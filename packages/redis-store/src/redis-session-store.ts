import {
  LambdaSessionError,
  type Logger,
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
} from '@lambda-session/core'
import { callWithinDeadline } from './call-within-deadline.js'
import type { RedisClient } from './redis-client.js'
import { PACKAGE_NAME } from './redis-errors.js'
import { sessionKey, userSetKey } from './redis-keys.js'
import { type RedisStoreOptions, resolveRedisStoreOptions } from './redis-store-options.js'
import { expiryMs, parseSessionHash, sessionRecordFields } from './session-fields.js'
import { SESSION_SCRIPTS } from './session-scripts.js'
import { compileSessionUpdate } from './session-update-args.js'

/**
 * Options of {@link RedisSessionStore}: the client, and optionally
 * `keyPrefix` (default `'ls:'`), `timeoutMs` (default 2000) and `logger`.
 */
export type RedisSessionStoreOptions = RedisStoreOptions

/** Sessions a `destroyUserSessions` script deletes at most per call, so one call never blocks Redis for long. */
const USER_BATCH = 500

const options = { package: PACKAGE_NAME }

/** 409: the new session's key exists already (a reused id); nothing was written. */
function sessionExistsError(): LambdaSessionError {
  return new LambdaSessionError('A session with this id already exists; nothing was written.', 409, options)
}

/** The script's answer as a list of strings (`{'ok'}`, `{'conflict', key…}`). */
function answerOf(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.map(String) : [String(reply)]
}

/**
 * Sessions in Redis or Valkey (ElastiCache), one hash per session keyed by
 * the id's hash, expiring natively at `expiresAt` (`PEXPIREAT`). A load is
 * one `HGETALL`; every write is one Lua script (`EVALSHA`) that checks and
 * writes atomically on the server: only the changed keys, version-checked
 * `set`/`delete`, `increment`/`append` that never conflict, and never a
 * write to a session that no longer exists. A per-user set indexes
 * sessions for `destroyUserSessions`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { RedisSessionStore, redisClientDefaults } from '@lambda-session/redis-store'
 *
 * const client = new Redis(process.env.REDIS_URL, { ...redisClientDefaults })
 * const store = new RedisSessionStore({ client }) // keys under 'ls:'
 * ```
 */
export class RedisSessionStore implements SessionStore {
  /** Prefix of every key the store writes. */
  readonly keyPrefix: string
  readonly #client: RedisClient
  readonly #timeoutMs: number
  readonly #logger: Logger

  constructor(storeOptions: RedisSessionStoreOptions) {
    const resolved = resolveRedisStoreOptions(storeOptions, 'RedisSessionStore')
    this.#client = resolved.client
    this.keyPrefix = resolved.keyPrefix
    this.#timeoutMs = resolved.timeoutMs
    this.#logger = resolved.logger
  }

  #call<T>(operation: string, call: (client: RedisClient) => Promise<T>): Promise<T> {
    return callWithinDeadline(operation, this.#timeoutMs, () => call(this.#client))
  }

  /** One `HGETALL`; a missing session is `undefined`, and so is a malformed one (with a `warn`). */
  async load(idHash: string): Promise<SessionRecord | undefined> {
    const hash = await this.#call('load', (client) => client.hgetall(sessionKey(this.keyPrefix, idHash)))
    if (Object.keys(hash).length === 0) return undefined
    const parsed = parseSessionHash(hash, idHash)
    if (parsed.ok) return parsed.record
    // A malformed hash reads as "no session": the request gets a fresh one.
    this.#logger.warn('lambda-session: ignoring a malformed session hash', { reason: parsed.reason })
    return undefined
  }

  /** One script that writes the hash unless the key exists, indexes the owner and sets the expiry. */
  async create(record: SessionRecord): Promise<void> {
    const fields = sessionRecordFields(record)
    const keys = this.#keysOf(record, [sessionKey(this.keyPrefix, record.idHash)])
    const answer = await this.#call('create', (client) =>
      SESSION_SCRIPTS.create.run(client, keys, [expiryMs(record.expiresAt), ...fields]),
    )
    if (answer === 'exists') throw sessionExistsError()
  }

  /** One script that checks every change, then writes them all or nothing (none at all when nothing changed). */
  async update(idHash: string, update: SessionUpdate): Promise<void> {
    const compiled = compileSessionUpdate(update)
    if (!compiled) return
    const keys = [sessionKey(this.keyPrefix, idHash)]
    if (compiled.newUserId !== undefined) keys.push(userSetKey(this.keyPrefix, compiled.newUserId))
    const reply = await this.#call('update', (client) => SESSION_SCRIPTS.update.run(client, keys, compiled.args))
    const [status, ...names] = answerOf(reply)
    if (status === 'ok') return
    if (status === 'gone') throw new SessionGoneError(options)
    if (status === 'conflict') {
      this.#logger.debug('lambda-session: session update conflicted', { keys: names.length })
      throw new SessionConflictError(names, options)
    }
    if (status === 'range') {
      throw new TypeError(`Session increment of '${names[0]}' goes past the largest number JSON can hold.`)
    }
    throw new LambdaSessionError(`Unexpected answer from the session update script (${status}).`, 500, options)
  }

  /** One script: the old session must exist and the new key must not; then the old one is deleted and the new one written. */
  async replace(oldIdHash: string, record: SessionRecord): Promise<void> {
    if (oldIdHash === record.idHash) throw new TypeError('replace() needs a new id hash; the old one is retired.')
    const fields = sessionRecordFields(record)
    const keys = this.#keysOf(record, [
      sessionKey(this.keyPrefix, oldIdHash),
      sessionKey(this.keyPrefix, record.idHash),
    ])
    const answer = await this.#call('replace', (client) =>
      SESSION_SCRIPTS.replace.run(client, keys, [expiryMs(record.expiresAt), ...fields]),
    )
    if (answer === 'gone') throw new SessionGoneError(options)
    if (answer === 'exists') throw sessionExistsError()
  }

  /** One script that deletes the hash and takes it out of its user's set; a missing session is fine. */
  async destroy(idHash: string): Promise<void> {
    await this.#call('destroy', (client) =>
      SESSION_SCRIPTS.destroy.run(client, [sessionKey(this.keyPrefix, idHash)], []),
    )
  }

  /**
   * Deletes every session of the user, through the user's set: one script
   * per 500 sessions (one call for nearly every user). Redis is strongly
   * consistent, so a session created before the call is always found.
   */
  async destroyUserSessions(userId: string): Promise<number> {
    if (typeof userId !== 'string' || userId === '') throw new TypeError('userId must be a non-empty string.')
    const key = userSetKey(this.keyPrefix, userId)
    let deleted = 0
    for (;;) {
      const reply = await this.#call('destroyUserSessions', (client) =>
        SESSION_SCRIPTS.destroyUserBatch.run(client, [key], [USER_BATCH]),
      )
      const [count, left] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN, 0]
      if (!Number.isFinite(count)) {
        throw new LambdaSessionError('Unexpected answer from the user session script.', 500, options)
      }
      deleted += count as number
      if (!left) return deleted
    }
  }

  /** The script's keys, plus the owner's set when the record has an owner. */
  #keysOf(record: SessionRecord, keys: string[]): string[] {
    return record.userId === undefined ? keys : [...keys, userSetKey(this.keyPrefix, record.userId)]
  }
}
