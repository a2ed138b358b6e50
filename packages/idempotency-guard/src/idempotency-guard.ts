import { hash, randomUUID } from 'node:crypto'
import {
  acceptDeferredSessionWrite,
  type DeferredSessionWrite,
  type HttpEvent,
  type HttpResponse,
  hasInvocationTimedOut,
  type IdempotencyRecord,
  IdempotencyStatus,
  LambdaSessionError,
  objectSlot,
  onInvocationTimeout,
  readMethod,
  StoreUnavailableError,
} from '@lambda-session/core'
import {
  IdempotencyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
  IdempotencyLockLostError,
} from './errors.js'
import { hashFingerprint } from './fingerprint.js'
import { MAX_IDEMPOTENCY_KEY_LENGTH, readIdempotencyKey } from './idempotency-key.js'
import { LocalRecordCache } from './local-cache.js'
import { type IdempotencyGuardOptions, resolveGuardOptions } from './options.js'
import { replayResponse, serializeResponse } from './stored-response.js'

const name = 'idempotency-guard'
const pkg = `@lambda-session/${name}`

/** The part of Middy's request the guard uses. */
export interface GuardRequest {
  event: HttpEvent
  context: object & { functionName?: string; session?: unknown; getRemainingTimeInMillis?: () => number }
  response: unknown
}

/** What one request holds between `before` and `after`/`onError`. */
interface HeldLock {
  keyHash: string
  lockToken: string
  fingerprint: string
  /** The session write `sessionSaver` left to be committed with the response. */
  deferred?: DeferredSessionWrite
}

function errorResponse(error: LambdaSessionError): HttpResponse {
  return {
    statusCode: error.statusCode,
    headers: { 'Content-Type': 'application/json', ...error.headers },
    body: JSON.stringify({ message: error.message }),
  }
}

/**
 * Middy middleware: HTTP-native exactly-once processing keyed by the
 * `Idempotency-Key` header (IETF draft "The Idempotency-Key HTTP Header
 * Field"). The first request runs the handler once and its final response
 * (status, headers, cookies, body) is stored; repeats get it back identical
 * plus `Idempotent-Replayed: true`. A repeat while the first still runs gets
 * 409 with `Retry-After`; the same key with another payload, 422; a missing
 * key where required, or a malformed one, 400. Thrown errors and 5xx
 * responses release the key so the client may retry, and so does a request
 * `timeout-watchdog` answered with a 503 (its late `after` stores nothing).
 *
 * Order: after `sessionLoader` (the key is scoped by the session) and before
 * `sessionSaver` (its `after` then runs first, so the stored response holds
 * the `Set-Cookie`). In that order the saver leaves its session write to the
 * guard, which commits it together with the stored response: atomically
 * when the store offers `completeWithSessionWrite` (the DynamoDB and Redis stores do,
 * with one client), else the session first.
 *
 * @example
 * ```ts
 * middy(app)
 *   .use(httpCookieParser())
 *   .use(sessionLoader(sessions))
 *   .use(idempotencyGuard({ store: new DynamoDBIdempotencyStore({ client, tableName: 'Idempotency' }) }))
 *   .use(sessionSaver(sessions))
 *   .use(httpErrorHandler())
 * ```
 */
export const idempotencyGuard = (opts: IdempotencyGuardOptions) => {
  const options = resolveGuardOptions(opts)
  const { store, logger, clock } = options
  const cache = options.localCache
    ? new LocalRecordCache(options.localCache.maxEntries, options.localCache.ttlMs)
    : undefined
  // Per request, on Middy's request object: cheaper than a WeakMap, as private.
  const held = objectSlot<HeldLock>('lambda-session idempotency lock')

  /** Answers a request whose key is already taken, from a record read in the same round trip (or the cache). */
  function answerExisting(existing: IdempotencyRecord, fingerprint: string, now: number): HttpResponse {
    if (existing.fingerprint !== fingerprint) {
      logger.warn('idempotency key reused with another payload', { package: pkg, event: 'key-reused' })
      return errorResponse(new IdempotencyKeyReusedError())
    }
    if (existing.status === IdempotencyStatus.Completed && existing.response !== undefined) {
      cache?.set(existing, now)
      logger.info('idempotent replay', { package: pkg, event: 'replayed' })
      return replayResponse(existing.response)
    }
    const retryAfter = Math.max(1, Math.ceil((existing.lockExpiresAt - now) / 1000))
    logger.info('idempotency key in progress', { package: pkg, event: 'in-progress', retryAfter })
    return errorResponse(new IdempotencyInProgressError(Math.min(retryAfter, options.maxRetryAfterSeconds)))
  }

  async function release(request: object, why: string): Promise<void> {
    const lock = held.get(request)
    if (!lock) return // never touch a record this request does not own
    held.delete(request)
    await releaseLock(lock, why)
  }

  async function releaseLock(lock: HeldLock, why: string): Promise<void> {
    try {
      const released = await store.release(lock.keyHash, lock.lockToken)
      logger.info('idempotency lock released', { package: pkg, event: 'released', why, owned: released })
    } catch (error) {
      // The lock lapses by itself at the invocation's deadline; a failed release costs the client a short wait.
      logger.error('idempotency lock release failed', { package: pkg, event: 'release-failed', error: String(error) })
    }
  }

  /** A response that is not stored: the session write goes alone, then the key is freed for a retry. */
  async function commitWithoutStoring(request: GuardRequest, lock: HeldLock, why: string): Promise<void> {
    try {
      await lock.deferred?.commitAlone()
    } finally {
      await release(request, why)
    }
  }

  /**
   * Stores the response and the deferred session write as one: atomically
   * when the store can (`completeWithSessionWrite`), else the session write
   * first. Resolves whether the record was completed.
   */
  async function completeWith(request: GuardRequest, lock: HeldLock, text: string, expiresAt: number) {
    const deferred = lock.deferred as DeferredSessionWrite
    let together: boolean | undefined
    try {
      together = await store.completeWithSessionWrite?.(
        lock.keyHash,
        lock.lockToken,
        text,
        expiresAt,
        deferred.sessions,
        deferred.write,
      )
    } catch (error) {
      // Nothing landed, or nobody knows. Releasing settles both: the write is
      // conditional on our lock, so once the lock is gone it can't land later,
      // and a write that did land has completed the record, which a release
      // leaves alone. The client's retry then runs afresh or gets the replay.
      await release(request, 'commit failed')
      if (error instanceof LambdaSessionError || error instanceof TypeError) throw error
      throw new StoreUnavailableError('complete', { package: pkg, cause: error })
    }
    if (together === false) {
      held.delete(request)
      // The watchdog answered and released the lock, which fenced the write off: as intended.
      if (hasInvocationTimedOut(request.context)) return false
      // Past its lock, another request may run this key now: writing the
      // session alone could apply the change twice.
      logger.warn('idempotency lock lost before completion; nothing saved', { package: pkg, event: 'lock-lost' })
      throw new IdempotencyLockLostError()
    }
    if (together === true) {
      held.delete(request)
      return true
    }
    // The store can't join the session write: write it first, then complete.
    try {
      await deferred.commitAlone()
    } catch (error) {
      if (error instanceof LambdaSessionError && error.statusCode === 503) {
        // The write may have landed: keep the key locked until it lapses, so
        // a retry can't apply the change a second time meanwhile.
        held.delete(request)
        logger.warn('session write unclear; idempotency key stays locked until its lock lapses', {
          package: pkg,
          event: 'commit-unclear',
        })
      }
      throw error // anything else wrote nothing: onError frees the key
    }
    held.delete(request)
    return completeAlone(lock, text, expiresAt)
  }

  /** Completes the record alone: no session write, or one written just before. */
  async function completeAlone(lock: HeldLock, text: string, expiresAt: number): Promise<boolean> {
    try {
      const completed = await store.complete(lock.keyHash, lock.lockToken, text, expiresAt)
      if (!completed) {
        // Our lock lapsed and another request took the key: its record wins.
        logger.warn('idempotency lock lost before completion; response not stored', {
          package: pkg,
          event: 'lock-lost',
        })
      }
      return completed
    } catch (error) {
      // The handler's effects happened: answer the client rather than invite a retry with a 503.
      logger.error('storing the idempotent response failed', {
        package: pkg,
        event: 'complete-failed',
        error: String(error),
      })
      return false
    }
  }

  const idempotencyGuardMiddlewareBefore = async (request: GuardRequest): Promise<HttpResponse | undefined> => {
    const { event, context } = request
    if (!options.methods.has(readMethod(event))) return undefined
    const reading = readIdempotencyKey(event, options.headerName)
    if (reading.kind === 'missing') {
      return options.required ? errorResponse(new IdempotencyKeyMissingError(options.headerName)) : undefined
    }
    if (reading.kind === 'invalid')
      return errorResponse(new IdempotencyKeyInvalidError(options.headerName, MAX_IDEMPOTENCY_KEY_LENGTH))

    const now = clock()
    // One-shot hash: no Hash object per request.
    const keyHash = hash('sha256', `${options.scope({ event, context })}\n${reading.key}`, 'base64url')
    const fingerprint = hashFingerprint(options.fingerprint(event))

    const cached = cache?.get(keyHash, now)
    if (cached) return answerExisting(cached, fingerprint, now)

    const remaining = context.getRemainingTimeInMillis?.()
    const lockMs = typeof remaining === 'number' && remaining > 0 ? remaining : options.lockTimeoutMs
    // 122 random bits from Node's batched CSPRNG pool: unguessable, and far cheaper than randomBytes per call.
    const lockToken = randomUUID()
    const record: IdempotencyRecord = {
      keyHash,
      status: IdempotencyStatus.InProgress,
      fingerprint,
      lockToken,
      lockExpiresAt: now + lockMs,
      expiresAt: now + options.recordTtlMs,
    }
    let result: Awaited<ReturnType<typeof store.acquire>>
    try {
      result = await store.acquire(record, now)
    } catch (error) {
      if (error instanceof LambdaSessionError) throw error
      throw new StoreUnavailableError('acquire', { package: pkg, cause: error })
    }
    if (!result.acquired) return answerExisting(result.existing, fingerprint, now)
    held.set(request, { keyHash, lockToken, fingerprint })
    // session-saver: while we hold the lock, its write is committed with the stored response.
    acceptDeferredSessionWrite(context, (deferred) => {
      const lock = held.get(request)
      if (lock) lock.deferred = deferred
      return lock !== undefined
    })
    // timeout-watchdog: release the lock (conditional on our token) if the
    // watchdog gives up, so the client's retry after the 503 can run. If it
    // already gave up while `acquire` was in flight, release now. A no-op
    // without a watchdog in the chain.
    if (!onInvocationTimeout(context, pkg, () => release(request, 'timeout')) && hasInvocationTimedOut(context)) {
      await release(request, 'timeout')
    }
    return undefined
  }

  const idempotencyGuardMiddlewareAfter = async (request: GuardRequest): Promise<void> => {
    const lock = held.get(request)
    if (!lock) return
    // timeout-watchdog: the client got the watchdog's 503, not this response:
    // never complete the record with it. The timeout hook normally released
    // the lock already (`lock` is then gone); if not, release it here.
    if (hasInvocationTimedOut(request.context)) return release(request, 'timeout')
    const { structured, text } = serializeResponse(request.response)
    request.response = structured // the client sees exactly what a replay will see
    if (!options.shouldStore(structured)) return commitWithoutStoring(request, lock, `status ${structured.statusCode}`)
    // Only a response that might pass the limit is measured in bytes (at most 3 per UTF-16 unit).
    const bytes = text.length * 3 > options.maxResponseBytes ? Buffer.byteLength(text) : text.length
    if (bytes > options.maxResponseBytes) {
      logger.warn('response too large to store; returned, not stored', {
        package: pkg,
        event: 'response-too-large',
        bytes,
      })
      return commitWithoutStoring(request, lock, 'too large')
    }
    const now = clock()
    const expiresAt = now + options.recordTtlMs
    let completed: boolean
    if (lock.deferred) {
      completed = await completeWith(request, lock, text, expiresAt)
    } else {
      held.delete(request)
      completed = await completeAlone(lock, text, expiresAt)
    }
    if (completed && cache) {
      const { keyHash, lockToken, fingerprint } = lock
      const status = IdempotencyStatus.Completed
      cache.set({ keyHash, status, lockToken, fingerprint, lockExpiresAt: now, expiresAt, response: text }, now)
    }
  }

  const idempotencyGuardMiddlewareOnError = async (request: GuardRequest): Promise<void> => {
    await release(request, 'error')
  }

  return {
    before: idempotencyGuardMiddlewareBefore,
    after: idempotencyGuardMiddlewareAfter,
    onError: idempotencyGuardMiddlewareOnError,
  }
}
