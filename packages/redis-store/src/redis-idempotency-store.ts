import {
  type AcquireResult,
  checkAcquireArguments,
  checkCompleteArguments,
  checkReleaseArguments,
  type IdempotencyRecord,
  IdempotencyStatus,
  type IdempotencyStore,
  LambdaSessionError,
  type Logger,
  type SessionStore,
  type SessionWrite,
} from '@lambda-session/core'
import { callWithinDeadline } from './call-within-deadline.js'
import { IDEMPOTENCY_FIELDS, idempotencyRecordFields, parseIdempotencyHash } from './idempotency-fields.js'
import { IDEMPOTENCY_SCRIPTS } from './idempotency-scripts.js'
import type { RedisClient } from './redis-client.js'
import { PACKAGE_NAME } from './redis-errors.js'
import { idempotencyRecordKey } from './redis-keys.js'
import { RedisSessionStore } from './redis-session-store.js'
import { hashTagOf, type RedisStoreOptions, resolveRedisStoreOptions } from './redis-store-options.js'
import { expiryMs } from './session-fields.js'

/**
 * Options of {@link RedisIdempotencyStore}: the client, and optionally
 * `keyPrefix` (default `'ls:'`), `timeoutMs` (default 2000) and `logger`.
 */
export type RedisIdempotencyStoreOptions = RedisStoreOptions

/**
 * How long a malformed stored record blocks its key per attempt. Such a
 * record can't tell whether its request ran, so it is answered as "in
 * progress" (a 409 the client retries) rather than risk running the
 * handler twice; its own expiry clears it.
 *
 * @default 1000
 * @example
 * ```ts
 * // a duplicate meeting a malformed record gets `Retry-After: 1`
 * ```
 */
export const MALFORMED_RECORD_LOCK_MS = 1000

/**
 * Idempotency records in Redis or Valkey (ElastiCache), one hash per scoped
 * key hash, expiring natively at `expiresAt`. Each method is one Lua script
 * (`EVALSHA`): `acquire` takes the key or returns the record it lost to in
 * the same round trip; `complete` and `release` act only for the lock's
 * holder, so a late invocation can never overwrite or delete a newer
 * request's record.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { RedisIdempotencyStore, redisClientDefaults } from '@lambda-session/redis-store'
 * import { idempotencyGuard } from '@lambda-session/idempotency-guard'
 *
 * const client = new Redis(process.env.REDIS_URL, { ...redisClientDefaults })
 * handler.use(idempotencyGuard({ store: new RedisIdempotencyStore({ client }) }))
 * ```
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  /** Prefix of every key the store writes. */
  readonly keyPrefix: string
  readonly #client: RedisClient
  readonly #timeoutMs: number
  readonly #logger: Logger

  constructor(storeOptions: RedisIdempotencyStoreOptions) {
    const resolved = resolveRedisStoreOptions(storeOptions, 'RedisIdempotencyStore')
    this.#client = resolved.client
    this.keyPrefix = resolved.keyPrefix
    this.#timeoutMs = resolved.timeoutMs
    this.#logger = resolved.logger
  }

  #call<T>(operation: string, call: (client: RedisClient) => Promise<T>): Promise<T> {
    return callWithinDeadline(operation, this.#timeoutMs, () => call(this.#client))
  }

  /** One script: writes the in-progress record if the key is free, else answers with the live record. */
  async acquire(record: IdempotencyRecord, now: number): Promise<AcquireResult> {
    checkAcquireArguments(record, now)
    const key = idempotencyRecordKey(this.keyPrefix, record.keyHash)
    const args = [String(now), String(expiryMs(record.expiresAt)), ...idempotencyRecordFields(record)]
    const reply = await this.#call('acquire', (client) => IDEMPOTENCY_SCRIPTS.acquire.run(client, [key], args))
    if (reply === 'acquired') return { acquired: true }
    const flat = Array.isArray(reply) ? reply : []
    // Our own lock token: the client resent an acquire whose first answer was lost, and it had landed.
    if (flatField(flat, IDEMPOTENCY_FIELDS.lockToken) === record.lockToken) return { acquired: true }
    return { acquired: false, existing: this.#existing(flat, record, now) }
  }

  /** One script that stores the response and marks the record completed, if `lockToken` holds the lock. */
  async complete(keyHash: string, lockToken: string, response: string, expiresAt: number): Promise<boolean> {
    return this.#runCompletion(this.#completion(keyHash, lockToken, response, expiresAt))
  }

  /** Runs the `complete` script with a key and arguments `#completion` built (and checked). */
  async #runCompletion({ key, args }: { key: string; args: string[] }): Promise<boolean> {
    const reply = await this.#call('complete', (client) => IDEMPOTENCY_SCRIPTS.complete.run(client, [key], args))
    return Number(reply) === 1
  }

  /**
   * `complete` and one session write in one Lua script, so the session
   * change and the stored response land together or not at all. It joins
   * only a `RedisSessionStore` on this store's client, and on a cluster only
   * when both key prefixes carry the same hash tag (then every key of the
   * script is in one slot); otherwise it resolves `undefined` before
   * sending anything and the guard commits in two steps.
   *
   * The script checks the lock, then the session write's conditions (the
   * session store's own Lua), and writes only when all hold. Resolves
   * `true` when both landed, and also when the record was already completed
   * under `lockToken`: an earlier call of this commit landed, and this one
   * writes nothing. `false` when the lock is lost (nothing written). A
   * refused session write throws the session store's own error
   * (`SessionConflictError`, `SessionGoneError`, the "exists" 409) with
   * nothing written; no answer is a `StoreUnavailableError` (503).
   */
  async completeWithSessionWrite(
    keyHash: string,
    lockToken: string,
    response: string,
    expiresAt: number,
    sessions: SessionStore,
    write: SessionWrite,
  ): Promise<boolean | undefined> {
    const completion = this.#completion(keyHash, lockToken, response, expiresAt)
    const { key, args } = completion
    if (!(sessions instanceof RedisSessionStore)) return undefined
    const part = sessions.sessionScriptPart(write)
    // Nothing to write to the session: a plain completion is the whole commit.
    if (!part) return this.#runCompletion(completion)
    if (part.client !== this.#client || !this.#sharesSlot(part.keyPrefix)) return undefined
    const keys = [key, ...part.keys]
    const scriptArgs = [...args, part.write, ...part.args]
    const reply = await this.#call('complete', (client) =>
      IDEMPOTENCY_SCRIPTS.completeWithSessionWrite.run(client, keys, scriptArgs),
    )
    const [answer, ...refusal] = Array.isArray(reply) ? reply.map(String) : [String(reply)]
    if (answer === 'ok' || answer === 'done') return true
    if (answer === 'lost') return false
    if (answer === 'session') throw part.refused(refusal)
    throw new LambdaSessionError(`Unexpected answer from the commit script (${answer}).`, 500, {
      package: PACKAGE_NAME,
    })
  }

  /**
   * Whether a script may touch this store's keys and those under
   * `sessionPrefix` at once. A cluster allows it within one hash slot only:
   * both prefixes must carry the same hash tag. A single server (or a
   * primary with replicas) has no slots.
   */
  #sharesSlot(sessionPrefix: string): boolean {
    if (!this.#client.isCluster) return true
    const tag = hashTagOf(this.keyPrefix)
    return tag !== undefined && tag === hashTagOf(sessionPrefix)
  }

  /** The `complete` script's key and arguments, after checking them. */
  #completion(keyHash: string, lockToken: string, response: string, expiresAt: number) {
    checkCompleteArguments(keyHash, lockToken, response, expiresAt)
    const key = idempotencyRecordKey(this.keyPrefix, keyHash)
    return { key, args: [lockToken, response, String(expiresAt), String(expiryMs(expiresAt))] }
  }

  /** One script that deletes the record, if `lockToken` holds the lock. */
  async release(keyHash: string, lockToken: string): Promise<boolean> {
    checkReleaseArguments(keyHash, lockToken)
    const key = idempotencyRecordKey(this.keyPrefix, keyHash)
    const reply = await this.#call('release', (client) => IDEMPOTENCY_SCRIPTS.release.run(client, [key], [lockToken]))
    return Number(reply) === 1
  }

  /**
   * The record `acquire` lost to. A malformed one is answered as a short
   * in-progress lock with the caller's own fingerprint: the client gets a
   * 409 and retries, rather than a second run of a handler that may already
   * have run, or a 422 telling it to change a key it used correctly.
   */
  #existing(flat: readonly unknown[], attempt: IdempotencyRecord, now: number): IdempotencyRecord {
    const parsed = parseIdempotencyHash(flat, attempt.keyHash)
    if (parsed.ok) return parsed.record
    this.#logger.warn('lambda-session: treating a malformed idempotency record as in progress', {
      reason: parsed.reason,
    })
    return {
      keyHash: attempt.keyHash,
      status: IdempotencyStatus.InProgress,
      fingerprint: attempt.fingerprint,
      lockToken: '',
      lockExpiresAt: now + MALFORMED_RECORD_LOCK_MS,
      expiresAt: now + MALFORMED_RECORD_LOCK_MS,
    }
  }
}

/** One field of a flat `HGETALL` reply. */
function flatField(flat: readonly unknown[], name: string): string | undefined {
  for (let index = 0; index + 1 < flat.length; index += 2) {
    if (flat[index] === name) return String(flat[index + 1])
  }
  return undefined
}
