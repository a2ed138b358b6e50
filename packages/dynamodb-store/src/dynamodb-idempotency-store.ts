import { createHash } from 'node:crypto'
import {
  type AttributeValue,
  type CancellationReason,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import {
  type AcquireResult,
  ConfigurationError,
  checkAcquireArguments,
  checkCompleteArguments,
  checkReleaseArguments,
  DYNAMODB_MAX_ITEM_BYTES,
  type IdempotencyRecord,
  IdempotencyStatus,
  type IdempotencyStore,
  type Logger,
  type SessionStore,
  type SessionWrite,
  silentLogger,
} from '@lambda-session/core'
import { isConditionalCheckFailed, PACKAGE_NAME } from './dynamodb-errors.js'
import { DynamoDBSessionStore } from './dynamodb-session-store.js'
import {
  IDEMPOTENCY_ATTRIBUTES,
  IDEMPOTENCY_NAMES,
  idempotencyKey,
  minimumCompletedItemBytes,
  parseIdempotencyItem,
  toIdempotencyItem,
} from './idempotency-item.js'
import { IdempotencyRecordTooLargeError } from './idempotency-record-too-large-error.js'
import { toIdempotencyStoreError } from './idempotency-store-errors.js'
import { sendWithinBudget } from './send-within-budget.js'
import { ttlSeconds } from './session-item.js'
import { resolveStoreCallBudget, type StoreCallBudget, type StoreCallOptions } from './store-call-budget.js'
import { type StoreClientSource, storeClientFrom } from './store-client.js'

/**
 * Options of {@link DynamoDBIdempotencyStore}: a client (or `clientConfig`
 * to let the store make one), the table, and the time budget of every call
 * ({@link StoreCallOptions}: `timeoutMs`, `attemptTimeoutMs`, `maxAttempts`,
 * `retryBaseDelayMs`, `maxRetryDelayMs`).
 */
export interface DynamoDBIdempotencyStoreOptions extends StoreCallOptions, StoreClientSource {
  /**
   * The SDK client, shared with your other stores. Each store call is bounded
   * by the store's own deadline whatever the client's settings; give it
   * timeouts too (see the README), or use `createStoreClient()`.
   */
  client?: DynamoDBClient
  /** The idempotency table, as created by `ensureIdempotencyTable` or `lambda-session-tables create`. */
  tableName: string
  /**
   * Where malformed records are reported. Never receives keys, key hashes,
   * lock tokens or responses.
   * @default silentLogger
   */
  logger?: Logger
}

/**
 * How long a malformed stored record blocks its key per attempt. Such a
 * record can't tell whether its request ran, so it is answered as "in
 * progress" (a 409 the client retries) rather than risk running the
 * handler twice; its own expiry, if readable, or TTL clears it.
 *
 * @default 1000
 * @example
 * ```ts
 * // a duplicate meeting a malformed record gets `Retry-After: 1`
 * ```
 */
export const MALFORMED_RECORD_LOCK_MS = 1000

/**
 * Writable while the key is free: no record, an expired one, or an
 * in-progress one whose lock lapsed (its request crashed or timed out).
 */
const ACQUIRE_CONDITION =
  'attribute_not_exists(#keyHash) OR #expiresAt < :now OR (#status = :inProgress AND #lockExpiresAt < :now)'

/**
 * The transaction's `ClientRequestToken` (at most 36 characters): the lock
 * token itself when it fits (the guard's UUIDs do), else its hash.
 */
function clientRequestToken(lockToken: string): string {
  return lockToken.length <= 36 ? lockToken : createHash('sha256').update(lockToken).digest('base64url').slice(0, 36)
}

/**
 * Whether the record a refused completion returned is already completed
 * under `lockToken`: an earlier attempt of the same transaction landed and
 * only its answer was lost. Anything else means the lock was lost.
 */
function completedBy(lockToken: string, item: Record<string, AttributeValue> | undefined): boolean {
  return (
    item?.[IDEMPOTENCY_ATTRIBUTES.lockToken]?.S === lockToken &&
    item[IDEMPOTENCY_ATTRIBUTES.status]?.S === IdempotencyStatus.Completed
  )
}

/** A completion's `UpdateItem` input, and the item size it was checked at (for the error if DynamoDB refuses it). */
interface Completion {
  input: Update
  estimatedBytes: number
}

/** Only the lock's holder, while it still is in progress, may complete or release it. */
const OWNER_CONDITION = '#lockToken = :token AND #status = :inProgress'

const options = { package: PACKAGE_NAME }

/** Only the `#names` an expression uses: DynamoDB rejects unused ones. */
function namesIn(...expressions: string[]): Record<string, string> {
  const text = expressions.join(' ')
  return Object.fromEntries(Object.entries(IDEMPOTENCY_NAMES).filter(([placeholder]) => text.includes(placeholder)))
}

/**
 * Idempotency records in DynamoDB, one item per scoped key hash. Each method
 * is one conditional request: `acquire` is a `PutItem` that also returns the
 * record it lost to, so a replay costs exactly one round trip; `complete`
 * and `release` only succeed for the lock's holder, so a late invocation
 * can never overwrite or delete a newer request's record.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { DynamoDBIdempotencyStore } from '@lambda-session/dynamodb-store'
 * import { idempotencyGuard } from '@lambda-session/idempotency-guard'
 *
 * const client = new DynamoDBClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } })
 * const store = new DynamoDBIdempotencyStore({ client, tableName: 'Idempotency' })
 * handler.use(idempotencyGuard({ store }))
 * ```
 */
export class DynamoDBIdempotencyStore implements IdempotencyStore {
  /** The idempotency table's name. */
  readonly tableName: string
  readonly #client: DynamoDBClient
  readonly #logger: Logger
  readonly #budget: StoreCallBudget

  constructor(storeOptions: DynamoDBIdempotencyStoreOptions) {
    const { tableName, logger = silentLogger } = storeOptions ?? {}
    const budget = resolveStoreCallBudget(storeOptions)
    const client = storeClientFrom(storeOptions ?? {}, budget.attemptTimeoutMs)
    if (!client) {
      throw new ConfigurationError(
        'DynamoDBIdempotencyStore needs `client` (a DynamoDBClient) or `clientConfig` to make one.',
        options,
      )
    }
    if (typeof tableName !== 'string' || tableName.length === 0) {
      throw new ConfigurationError('DynamoDBIdempotencyStore needs `tableName`: the idempotency table name.', options)
    }
    this.#client = client
    this.tableName = tableName
    this.#logger = logger
    this.#budget = budget
  }

  /** One request within the store's time budget (see {@link StoreCallOptions}). */
  #send<T>(operation: string, idempotent: boolean, attempt: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return sendWithinBudget(attempt, { operation, tableName: this.tableName, idempotent }, this.#budget, this.#logger)
  }

  /**
   * One conditional `PutItem` of an in-progress record. When a live record
   * holds the key, DynamoDB returns it with the refusal
   * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): no extra read.
   */
  async acquire(record: IdempotencyRecord, now: number): Promise<AcquireResult> {
    checkAcquireArguments(record, now)
    const command = new PutItemCommand({
      TableName: this.tableName,
      Item: toIdempotencyItem(record),
      ConditionExpression: ACQUIRE_CONDITION,
      ExpressionAttributeNames: namesIn(ACQUIRE_CONDITION),
      ExpressionAttributeValues: {
        ':now': { N: String(now) },
        ':inProgress': { S: IdempotencyStatus.InProgress },
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })
    try {
      // Safe to repeat: if an earlier attempt landed, the refusal returns our own lock (below).
      await this.#send('acquire', true, (abortSignal) => this.#client.send(command, { abortSignal }))
      return { acquired: true }
    } catch (error) {
      if (!isConditionalCheckFailed(error)) {
        throw toIdempotencyStoreError(error, { operation: 'acquire', tableName: this.tableName })
      }
      const item = (error as { Item?: Record<string, AttributeValue> }).Item
      // Our own lock token: a retried attempt found the record an earlier attempt wrote (its answer was lost).
      if (item?.[IDEMPOTENCY_ATTRIBUTES.lockToken]?.S === record.lockToken) return { acquired: true }
      return { acquired: false, existing: this.#existing(item, record, now) }
    }
  }

  /** One `UpdateItem` that stores the response and marks the record completed, if `lockToken` holds the lock. */
  async complete(keyHash: string, lockToken: string, response: string, expiresAt: number): Promise<boolean> {
    return this.#sendCompletion(this.#completion(keyHash, lockToken, response, expiresAt))
  }

  /** Sends a completion built (and its arguments checked) by `#completion`. */
  async #sendCompletion({ input, estimatedBytes }: Completion): Promise<boolean> {
    const command = new UpdateItemCommand(input)
    try {
      // Not repeated after an unclear failure: a completion that landed would then read as a lost lock.
      await this.#send('complete', false, (abortSignal) => this.#client.send(command, { abortSignal }))
      return true
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false
      throw toIdempotencyStoreError(error, { operation: 'complete', tableName: this.tableName, estimatedBytes })
    }
  }

  /**
   * `complete` and the session write in one `TransactWriteItems`, when
   * `sessions` is a `DynamoDBSessionStore` sending with the same client
   * (otherwise `undefined`, before anything is sent). The lock token is the
   * transaction's `ClientRequestToken`, so a resend after a lost answer
   * can't apply it twice; and since the completion is conditional on the
   * lock, releasing the lock fences a transaction still in flight: it can
   * no longer land. One round trip.
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
    const { input, estimatedBytes } = completion
    if (!(sessions instanceof DynamoDBSessionStore)) return undefined
    const part = sessions.commitItems(write)
    if (!part || part.client !== this.#client) return undefined
    // Nothing to write to the session: the completion already built is the whole commit.
    if (part.items.length === 0) return this.#sendCompletion(completion)
    const command = new TransactWriteItemsCommand({
      TransactItems: [...part.items, { Update: { ...input, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }],
      ClientRequestToken: clientRequestToken(lockToken),
    })
    try {
      // Safe to repeat: DynamoDB applies a transaction's token once, and a
      // refusal that shows our own completion means an earlier attempt landed.
      await this.#send('complete', true, (abortSignal) => this.#client.send(command, { abortSignal }))
      return true
    } catch (error) {
      const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons
      if ((error as Error)?.name !== 'TransactionCanceledException' || !reasons) {
        throw toIdempotencyStoreError(error, { operation: 'complete', tableName: this.tableName, estimatedBytes })
      }
      const completion = reasons[part.items.length]
      const lockLost = completion?.Code === 'ConditionalCheckFailed'
      const completedItem = completion?.Item
      // The lock decides first: without it nothing may land, whatever else failed.
      const sessionError = lockLost ? undefined : part.cancelled(error, reasons.slice(0, part.items.length))
      // Take the returned items off the error before it can become a logged cause.
      for (const reason of reasons) delete reason.Item
      if (lockLost) return completedBy(lockToken, completedItem)
      if (sessionError) throw sessionError
      throw toIdempotencyStoreError(error, { operation: 'complete', tableName: this.tableName, estimatedBytes })
    }
  }

  /** The completion `UpdateItem` input, after checking its arguments and size. */
  #completion(keyHash: string, lockToken: string, response: string, expiresAt: number): Completion {
    checkCompleteArguments(keyHash, lockToken, response, expiresAt)
    const estimatedBytes = minimumCompletedItemBytes(keyHash, lockToken, response)
    if (estimatedBytes > DYNAMODB_MAX_ITEM_BYTES) {
      // Certainly too large: say so without a round trip DynamoDB would refuse.
      throw new IdempotencyRecordTooLargeError(estimatedBytes, DYNAMODB_MAX_ITEM_BYTES, options)
    }
    const update = 'SET #status = :completed, #response = :response, #expiresAt = :expiresAt, #ttl = :ttl'
    const input = {
      TableName: this.tableName,
      Key: idempotencyKey(keyHash),
      UpdateExpression: update,
      ConditionExpression: OWNER_CONDITION,
      ExpressionAttributeNames: namesIn(update, OWNER_CONDITION),
      ExpressionAttributeValues: {
        ':completed': { S: IdempotencyStatus.Completed },
        ':inProgress': { S: IdempotencyStatus.InProgress },
        ':response': { S: response },
        ':expiresAt': { N: String(expiresAt) },
        ':ttl': { N: String(ttlSeconds(expiresAt)) },
        ':token': { S: lockToken },
      },
    }
    return { input, estimatedBytes }
  }

  /** One `DeleteItem` of the record, if `lockToken` holds the lock. */
  async release(keyHash: string, lockToken: string): Promise<boolean> {
    checkReleaseArguments(keyHash, lockToken)
    const command = new DeleteItemCommand({
      TableName: this.tableName,
      Key: idempotencyKey(keyHash),
      ConditionExpression: OWNER_CONDITION,
      ExpressionAttributeNames: namesIn(OWNER_CONDITION),
      ExpressionAttributeValues: {
        ':inProgress': { S: IdempotencyStatus.InProgress },
        ':token': { S: lockToken },
      },
    })
    try {
      // Safe to repeat: a release that landed makes the repeat resolve false, and the lock is gone either way.
      await this.#send('release', true, (abortSignal) => this.#client.send(command, { abortSignal }))
      return true
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false
      throw toIdempotencyStoreError(error, { operation: 'release', tableName: this.tableName })
    }
  }

  /**
   * The record `acquire` lost to. A malformed one (or none, which DynamoDB
   * should never send) is answered as a short in-progress lock with the
   * caller's own fingerprint: the client gets a 409 and retries, rather
   * than a second run of a handler that may already have run, or a 422
   * telling it to change a key it used correctly.
   */
  #existing(item: Record<string, AttributeValue> | undefined, attempt: IdempotencyRecord, now: number) {
    const parsed = item ? parseIdempotencyItem(item) : { ok: false as const, reason: 'no item returned' }
    if (parsed.ok) return parsed.record
    this.#logger.warn('lambda-session: treating a malformed idempotency record as in progress', {
      table: this.tableName,
      reason: parsed.reason,
    })
    return {
      keyHash: attempt.keyHash,
      status: IdempotencyStatus.InProgress,
      fingerprint: attempt.fingerprint,
      lockToken: '',
      lockExpiresAt: now + MALFORMED_RECORD_LOCK_MS,
      expiresAt: now + MALFORMED_RECORD_LOCK_MS,
    } satisfies IdempotencyRecord
  }
}
