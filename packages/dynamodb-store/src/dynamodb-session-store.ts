import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
  type TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import {
  ConfigurationError,
  type Logger,
  SessionConflictError,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
  type SessionWrite,
  silentLogger,
} from '@lambda-session/core'
import { isConditionalCheckFailed, PACKAGE_NAME, toStoreError } from './dynamodb-errors.js'
import type { LargeSessionOptions } from './large-session-options.js'
import { LargeSessionStore } from './large-session-store.js'
import { sendWithinBudget } from './send-within-budget.js'
import { type SessionCommitItems, sessionCommitItems } from './session-commit-items.js'
import { parseSessionItem, sessionKey, toSessionItem } from './session-item.js'
import { compileSessionUpdate } from './session-update-expression.js'
import { replaceCancelledError, sessionExistsError, updateFailedError } from './session-write-errors.js'
import {
  checkSessionItemSize,
  putNewSessionItem,
  retireSessionItem,
  updateSessionItem,
} from './session-write-inputs.js'
import { resolveStoreCallBudget, type StoreCallBudget, type StoreCallOptions } from './store-call-budget.js'
import { type StoreClientSource, storeClientFrom } from './store-client.js'
import { deleteUserSessions } from './user-sessions.js'

/**
 * Options of {@link DynamoDBSessionStore}: a client (or `clientConfig` to
 * let the store make one), the table, and the time budget of every call
 * ({@link StoreCallOptions}: `timeoutMs`, `attemptTimeoutMs`, `maxAttempts`,
 * `retryBaseDelayMs`, `maxRetryDelayMs`).
 */
export interface DynamoDBSessionStoreOptions extends StoreCallOptions, StoreClientSource {
  /**
   * The SDK client, shared with your other stores. Each store call is bounded
   * by the store's own deadline whatever the client's settings; give it
   * timeouts too (see the README), or use `createStoreClient()`.
   */
  client?: DynamoDBClient
  /** The session table, as created by `ensureSessionTable` or `lambda-session-tables create`. */
  tableName: string
  /**
   * Where malformed items and retries are reported. Never receives session
   * data or ids.
   * @default silentLogger
   */
  logger?: Logger
  /**
   * Opt-in S3 overflow: a session whose item would pass `thresholdBytes`
   * (default 100 KB) keeps its data in one S3 object the item points to
   * (reads of it take a `GetItem` and a `GetObject`). Sessions under the
   * threshold are read and written as without it. See the README.
   * @default none: every session lives in its item, up to DynamoDB's 400 KB
   */
  largeSessions?: LargeSessionOptions
}

const options = { package: PACKAGE_NAME }

/**
 * Sessions in DynamoDB, one item per session keyed by the id's hash. Reads
 * are one strongly consistent `GetItem`; writes are one conditional request
 * that touches only the changed keys, so concurrent requests merge, atomic
 * changes never conflict and a destroyed session stays destroyed.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
 *
 * const client = new DynamoDBClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } })
 * const store = new DynamoDBSessionStore({ client, tableName: 'UserSessions' }) // 5 s deadline per call by default
 * ```
 */
export class DynamoDBSessionStore implements SessionStore {
  /** The session table's name. */
  readonly tableName: string
  readonly #client: DynamoDBClient
  readonly #logger: Logger
  readonly #budget: StoreCallBudget
  /** Set with `largeSessions`: it then serves every method but `destroyUserSessions`. */
  readonly #large: LargeSessionStore | undefined

  constructor(storeOptions: DynamoDBSessionStoreOptions) {
    const { tableName, logger = silentLogger } = storeOptions ?? {}
    const budget = resolveStoreCallBudget(storeOptions)
    const client = storeClientFrom(storeOptions ?? {}, budget.attemptTimeoutMs)
    if (!client) {
      throw new ConfigurationError(
        'DynamoDBSessionStore needs `client` (a DynamoDBClient) or `clientConfig` to make one.',
        options,
      )
    }
    if (typeof tableName !== 'string' || tableName.length === 0) {
      throw new ConfigurationError('DynamoDBSessionStore needs `tableName`: the session table name.', options)
    }
    this.#client = client
    this.tableName = tableName
    this.#logger = logger
    this.#budget = budget
    const { largeSessions } = storeOptions
    this.#large = largeSessions
      ? new LargeSessionStore({ client, tableName, budget, logger }, largeSessions)
      : undefined
  }

  /** One request within the store's time budget (see {@link StoreCallOptions}). */
  #send<T>(operation: string, idempotent: boolean, attempt: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return sendWithinBudget(attempt, { operation, tableName: this.tableName, idempotent }, this.#budget, this.#logger)
  }

  /** One strongly consistent `GetItem`; a missing or malformed item is `undefined`. */
  async load(idHash: string): Promise<SessionRecord | undefined> {
    if (this.#large) return this.#large.load(idHash)
    let output: GetItemCommandOutput
    try {
      const command = new GetItemCommand({ TableName: this.tableName, Key: sessionKey(idHash), ConsistentRead: true })
      output = await this.#send('load', true, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      throw toStoreError(error, { operation: 'load', tableName: this.tableName })
    }
    if (!output.Item) return undefined
    const parsed = parseSessionItem(output.Item, idHash)
    if (parsed.ok) return parsed.record
    // A malformed item reads as "no session": the request gets a fresh one.
    this.#logger.warn('lambda-session: ignoring a malformed session item', {
      table: this.tableName,
      reason: parsed.reason,
    })
    return undefined
  }

  /** One `PutItem` that refuses to overwrite an existing item. */
  async create(record: SessionRecord): Promise<void> {
    if (this.#large) return this.#large.create(record)
    const estimatedBytes = checkSessionItemSize(record)
    const item = toSessionItem(record)
    try {
      const command = new PutItemCommand(putNewSessionItem(this.tableName, item))
      // Not repeated after an unclear failure: a create that landed would then fail as a conflict with itself.
      await this.#send('create', false, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw sessionExistsError(error)
      throw toStoreError(error, { operation: 'create', tableName: this.tableName, estimatedBytes })
    }
  }

  /** One conditional `UpdateItem` (none when there is nothing to write). */
  async update(idHash: string, update: SessionUpdate): Promise<void> {
    if (this.#large) return this.#large.update(idHash, update)
    const compiled = compileSessionUpdate(update)
    if (!compiled) return
    try {
      const command = new UpdateItemCommand(updateSessionItem(this.tableName, idHash, compiled))
      // Not repeated after an unclear failure: an increment or append that landed would count twice.
      await this.#send('update', false, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      const failure = updateFailedError(error, compiled, update, this.tableName)
      if (failure instanceof SessionConflictError) {
        this.#logger.debug('lambda-session: session update conflicted', {
          table: this.tableName,
          keys: failure.keys.length,
        })
      }
      throw failure
    }
  }

  /** One `TransactWriteItems`: put the new item, delete the old one only if it still exists. */
  async replace(oldIdHash: string, record: SessionRecord): Promise<void> {
    if (this.#large) return this.#large.replace(oldIdHash, record)
    if (oldIdHash === record.idHash) throw new TypeError('replace() needs a new id hash; the old one is retired.')
    const estimatedBytes = checkSessionItemSize(record)
    const item = toSessionItem(record)
    try {
      const command = new TransactWriteItemsCommand({
        TransactItems: [
          { Put: putNewSessionItem(this.tableName, item) },
          { Delete: retireSessionItem(this.tableName, oldIdHash) },
        ],
      })
      await this.#send('replace', false, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      const reasons = (error as Partial<TransactionCanceledException>).CancellationReasons
      if ((error as Error)?.name === 'TransactionCanceledException' && reasons) {
        throw replaceCancelledError(error, reasons, estimatedBytes)
      }
      throw toStoreError(error, { operation: 'replace', tableName: this.tableName, estimatedBytes })
    }
  }

  /** One unconditional `DeleteItem`: deleting a missing session is fine. */
  async destroy(idHash: string): Promise<void> {
    if (this.#large) return this.#large.destroy(idHash)
    try {
      const command = new DeleteItemCommand({ TableName: this.tableName, Key: sessionKey(idHash) })
      await this.#send('destroy', true, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      throw toStoreError(error, { operation: 'destroy', tableName: this.tableName })
    }
  }

  /** Queries the `userId` index page by page and batch-deletes what it finds. */
  async destroyUserSessions(userId: string): Promise<number> {
    return deleteUserSessions(this.#client, this.tableName, userId, this.#logger, { budget: this.#budget })
  }

  /**
   * The session write as members of a `TransactWriteItems` call, for
   * `DynamoDBIdempotencyStore.completeWithSessionWrite`: the same writes and
   * conditions as this store's methods, sent by its client. `undefined` with
   * `largeSessions`: a write that may touch S3 can't join a transaction.
   *
   * @internal
   */
  commitItems(write: SessionWrite): SessionCommitItems | undefined {
    if (this.#large) return undefined
    return sessionCommitItems(this.#client, this.tableName, write)
  }
}
