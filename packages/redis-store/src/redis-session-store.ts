import {
  LambdaSessionError,
  type Logger,
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
  type SessionWrite,
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
    await this.#runPart('create', this.#createPart(record))
  }

  /** One script that checks every change, then writes them all or nothing (none at all when nothing changed). */
  async update(idHash: string, update: SessionUpdate): Promise<void> {
    const part = this.#updatePart(idHash, update)
    if (part) await this.#runPart('update', part)
  }

  /** One script: the old session must exist and the new key must not; then the old one is deleted and the new one written. */
  async replace(oldIdHash: string, record: SessionRecord): Promise<void> {
    await this.#runPart('replace', this.#replacePart(oldIdHash, record))
  }

  /** One script that deletes the hash and takes it out of its user's set; a missing session is fine. */
  async destroy(idHash: string): Promise<void> {
    await this.#runPart('destroy', this.#destroyPart(idHash))
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

  /**
   * The session write as the keys and arguments of its script, for
   * `RedisIdempotencyStore.completeWithSessionWrite`: the same checks and
   * writes as this store's methods (the same Lua), on this store's client.
   * `undefined` when the write changes nothing. Throws a `TypeError` for a
   * write the store would refuse, before anything is sent.
   *
   * @internal
   */
  sessionScriptPart(write: SessionWrite): SessionScriptPart | undefined {
    switch (write.kind) {
      case 'create':
        return this.#createPart(write.record)
      case 'update':
        return this.#updatePart(write.idHash, write.update)
      case 'replace':
        return this.#replacePart(write.oldIdHash, write.record)
      case 'destroy':
        return this.#destroyPart(write.idHash)
      default:
        throw new TypeError(`Unknown session write '${(write as { kind?: unknown }).kind}'.`)
    }
  }

  #createPart(record: SessionRecord): SessionScriptPart {
    const fields = sessionRecordFields(record)
    const keys = this.#keysOf(record, [sessionKey(this.keyPrefix, record.idHash)])
    return this.#part('create', keys, [String(expiryMs(record.expiresAt)), ...fields])
  }

  #updatePart(idHash: string, update: SessionUpdate): SessionScriptPart | undefined {
    const compiled = compileSessionUpdate(update)
    if (!compiled) return undefined
    const keys = [sessionKey(this.keyPrefix, idHash)]
    if (compiled.newUserId !== undefined) keys.push(userSetKey(this.keyPrefix, compiled.newUserId))
    return this.#part('update', keys, compiled.args)
  }

  #replacePart(oldIdHash: string, record: SessionRecord): SessionScriptPart {
    if (oldIdHash === record.idHash) throw new TypeError('replace() needs a new id hash; the old one is retired.')
    const fields = sessionRecordFields(record)
    const keys = this.#keysOf(record, [
      sessionKey(this.keyPrefix, oldIdHash),
      sessionKey(this.keyPrefix, record.idHash),
    ])
    return this.#part('replace', keys, [String(expiryMs(record.expiresAt)), ...fields])
  }

  #destroyPart(idHash: string): SessionScriptPart {
    return this.#part('destroy', [sessionKey(this.keyPrefix, idHash)], [])
  }

  #part(write: SessionScriptPart['write'], keys: string[], args: string[]): SessionScriptPart {
    return {
      client: this.#client,
      keyPrefix: this.keyPrefix,
      write,
      keys,
      args,
      refused: (refusal) => this.#refused(refusal),
    }
  }

  /** Runs a write's own script; a refusal becomes the store's error. */
  async #runPart(operation: SessionScriptPart['write'], part: SessionScriptPart): Promise<void> {
    const script = SESSION_SCRIPTS[operation]
    const reply = await this.#call(operation, (client) => script.run(client, part.keys, part.args))
    const answer = answerOf(reply)
    if (answer[0] !== 'ok') throw this.#refused(answer)
  }

  /** The error for a session script's refusal (`{'exists'}`, `{'gone'}`, `{'conflict', key…}`, `{'range', key}`). */
  #refused([status, ...names]: readonly string[]): Error {
    if (status === 'exists') return sessionExistsError()
    if (status === 'gone') return new SessionGoneError(options)
    if (status === 'conflict') {
      this.#logger.debug('lambda-session: session update conflicted', { keys: names.length })
      return new SessionConflictError(names, options)
    }
    if (status === 'range') {
      return new TypeError(`Session increment of '${names[0]}' goes past the largest number JSON can hold.`)
    }
    return new LambdaSessionError(`Unexpected answer from the session script (${status}).`, 500, options)
  }

  /** The script's keys, plus the owner's set when the record has an owner. */
  #keysOf(record: SessionRecord, keys: string[]): string[] {
    return record.userId === undefined ? keys : [...keys, userSetKey(this.keyPrefix, record.userId)]
  }
}

/**
 * One session write ready to run inside another script: what
 * `RedisSessionStore.sessionScriptPart` hands to the idempotency store.
 *
 * @internal
 */
export interface SessionScriptPart {
  /** The session store's client: the write can join a script only on the same one. */
  client: RedisClient
  /** The session store's key prefix (its hash tag decides the keys' cluster slot). */
  keyPrefix: string
  /** Which write: its name among the shared Lua functions (`prepare_<write>`). */
  write: 'create' | 'update' | 'replace' | 'destroy'
  /** The write's `KEYS`. */
  keys: string[]
  /** The write's `ARGV`. */
  args: string[]
  /** The session store's own error for the refusal a script answered. */
  refused(refusal: readonly string[]): Error
}
