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
  DYNAMODB_MAX_ITEM_BYTES,
  type Logger,
  SessionConflictError,
  type SessionRecord,
  type SessionStore,
  SessionTooLargeError,
  type SessionUpdate,
  silentLogger,
} from '@lambda-session/core'
import { isConditionalCheckFailed, PACKAGE_NAME, toStoreError } from './dynamodb-errors.js'
import {
  estimateSessionItemBytes,
  parseSessionItem,
  SESSION_ATTRIBUTES,
  sessionKey,
  toSessionItem,
} from './session-item.js'
import { compileSessionUpdate } from './session-update-expression.js'
import { replaceCancelledError, sessionExistsError, updateFailedError } from './session-write-errors.js'
import { deleteUserSessions } from './user-sessions.js'

/** Options of {@link DynamoDBSessionStore}. */
export interface DynamoDBSessionStoreOptions {
  /**
   * The SDK client. Give it bounded retries and timeouts (see the README) so
   * an outage becomes a quick 503 instead of a hung invocation.
   */
  client: DynamoDBClient
  /** The session table, as created by `ensureSessionTable` or `lambda-session-tables create`. */
  tableName: string
  /**
   * Where malformed items and retries are reported. Never receives session
   * data or ids.
   * @default silentLogger
   */
  logger?: Logger
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
 * const client = new DynamoDBClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } })
 * const store = new DynamoDBSessionStore({ client, tableName: 'UserSessions' })
 * ```
 */
export class DynamoDBSessionStore implements SessionStore {
  /** The session table's name. */
  readonly tableName: string
  readonly #client: DynamoDBClient
  readonly #logger: Logger

  constructor({ client, tableName, logger = silentLogger }: DynamoDBSessionStoreOptions) {
    if (!client || typeof client.send !== 'function') {
      throw new ConfigurationError('DynamoDBSessionStore needs `client`: a DynamoDBClient.', options)
    }
    if (typeof tableName !== 'string' || tableName.length === 0) {
      throw new ConfigurationError('DynamoDBSessionStore needs `tableName`: the session table name.', options)
    }
    this.#client = client
    this.tableName = tableName
    this.#logger = logger
  }

  /** One strongly consistent `GetItem`; a missing or malformed item is `undefined`. */
  async load(idHash: string): Promise<SessionRecord | undefined> {
    let output: GetItemCommandOutput
    try {
      output = await this.#client.send(
        new GetItemCommand({ TableName: this.tableName, Key: sessionKey(idHash), ConsistentRead: true }),
      )
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
    const estimatedBytes = this.#checkSize(record)
    const item = toSessionItem(record)
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': SESSION_ATTRIBUTES.id },
        }),
      )
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw sessionExistsError(error)
      throw toStoreError(error, { operation: 'create', tableName: this.tableName, estimatedBytes })
    }
  }

  /** One conditional `UpdateItem` (none when there is nothing to write). */
  async update(idHash: string, update: SessionUpdate): Promise<void> {
    const compiled = compileSessionUpdate(update)
    if (!compiled) return
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: sessionKey(idHash),
          UpdateExpression: compiled.UpdateExpression,
          ConditionExpression: compiled.ConditionExpression,
          ExpressionAttributeNames: compiled.ExpressionAttributeNames,
          ExpressionAttributeValues: compiled.ExpressionAttributeValues,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
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
    if (oldIdHash === record.idHash) throw new TypeError('replace() needs a new id hash; the old one is retired.')
    const estimatedBytes = this.#checkSize(record)
    const item = toSessionItem(record)
    const names = { '#pk': SESSION_ATTRIBUTES.id }
    try {
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: item,
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: names,
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: sessionKey(oldIdHash),
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: names,
              },
            },
          ],
        }),
      )
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
    try {
      await this.#client.send(new DeleteItemCommand({ TableName: this.tableName, Key: sessionKey(idHash) }))
    } catch (error) {
      throw toStoreError(error, { operation: 'destroy', tableName: this.tableName })
    }
  }

  /** Queries the `userId` index page by page and batch-deletes what it finds. */
  async destroyUserSessions(userId: string): Promise<number> {
    return deleteUserSessions(this.#client, this.tableName, userId, this.#logger)
  }

  /** Refuses an item over DynamoDB's limit before sending it; returns the estimate. */
  #checkSize(record: SessionRecord): number {
    const estimatedBytes = estimateSessionItemBytes(record)
    if (estimatedBytes > DYNAMODB_MAX_ITEM_BYTES) {
      throw new SessionTooLargeError(estimatedBytes, DYNAMODB_MAX_ITEM_BYTES, options)
    }
    return estimatedBytes
  }
}
