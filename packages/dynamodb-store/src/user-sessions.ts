import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb'
import { type Logger, StoreUnavailableError } from '@lambda-session/core'
import { PACKAGE_NAME, toStoreError } from './dynamodb-errors.js'
import { sendWithinBudget } from './send-within-budget.js'
import { SESSION_ATTRIBUTES, SESSION_USER_INDEX } from './session-item.js'
import { resolveStoreCallBudget, type StoreCallBudget } from './store-call-budget.js'

/** BatchWriteItem takes at most 25 requests per call. */
const BATCH_SIZE = 25

/** Tuning of {@link deleteUserSessions}. @internal */
export interface DeleteUserSessionsOptions {
  /** How often unprocessed deletes (throttled by DynamoDB) are retried before giving up. @default 5 */
  maxBatchRetries?: number
  /** First back-off before retrying unprocessed deletes, doubled each time. @default 50 */
  retryBaseDelayMs?: number
  /** Time budget of each request (a query page, a batch). @default the store defaults */
  budget?: StoreCallBudget
}

interface Settings {
  maxBatchRetries: number
  retryBaseDelayMs: number
  budget: StoreCallBudget
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function deleteBatch(
  client: DynamoDBClient,
  tableName: string,
  keys: Record<string, AttributeValue>[],
  options: Settings,
  logger: Logger,
): Promise<void> {
  let pending: WriteRequest[] = keys.map((Key) => ({ DeleteRequest: { Key } }))
  for (let attempt = 0; ; attempt++) {
    let output: BatchWriteItemCommandOutput
    try {
      const command = new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } })
      // Deletes by key: repeating them is harmless.
      output = await sendWithinBudget(
        (abortSignal) => client.send(command, { abortSignal }),
        { operation: 'destroyUserSessions', tableName, idempotent: true },
        options.budget,
        logger,
      )
    } catch (error) {
      throw toStoreError(error, { operation: 'destroyUserSessions', tableName })
    }
    pending = output.UnprocessedItems?.[tableName] ?? []
    if (pending.length === 0) return
    if (attempt >= options.maxBatchRetries) {
      throw new StoreUnavailableError('destroyUserSessions', {
        package: PACKAGE_NAME,
        cause: new Error(`${pending.length} session deletes stayed unprocessed after ${attempt + 1} attempts`),
      })
    }
    logger.debug('lambda-session: retrying unprocessed session deletes', { table: tableName, count: pending.length })
    // Unprocessed items mean DynamoDB is throttling this partition: back off before asking again.
    await sleep(options.retryBaseDelayMs * 2 ** attempt)
  }
}

/**
 * Deletes every session of a user: pages through the keys-only `userId`
 * index and deletes what it finds in batches of 25, retrying throttled
 * deletes a bounded number of times. The index is eventually consistent, so
 * a session created a moment ago may survive; call it again to be thorough.
 *
 * @internal
 * @example
 * ```ts
 * const count = await deleteUserSessions(client, 'UserSessions', 'user-42', silentLogger)
 * ```
 */
export async function deleteUserSessions(
  client: DynamoDBClient,
  tableName: string,
  userId: string,
  logger: Logger,
  options: DeleteUserSessionsOptions = {},
): Promise<number> {
  const settings: Settings = {
    maxBatchRetries: options.maxBatchRetries ?? 5,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 50,
    budget: options.budget ?? resolveStoreCallBudget(),
  }
  let deleted = 0
  let startKey: Record<string, AttributeValue> | undefined
  do {
    let page: QueryCommandOutput
    try {
      const command = new QueryCommand({
        TableName: tableName,
        IndexName: SESSION_USER_INDEX,
        KeyConditionExpression: '#u = :u',
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#u': SESSION_ATTRIBUTES.userId, '#pk': SESSION_ATTRIBUTES.id },
        ExpressionAttributeValues: { ':u': { S: userId } },
        ExclusiveStartKey: startKey,
      })
      page = await sendWithinBudget(
        (abortSignal) => client.send(command, { abortSignal }),
        { operation: 'destroyUserSessions', tableName, idempotent: true },
        settings.budget,
        logger,
      )
    } catch (error) {
      throw toStoreError(error, { operation: 'destroyUserSessions', tableName })
    }
    const keys = (page.Items ?? []).flatMap((item) => {
      const pk = item[SESSION_ATTRIBUTES.id]
      return pk?.S ? [{ [SESSION_ATTRIBUTES.id]: pk }] : []
    })
    for (let start = 0; start < keys.length; start += BATCH_SIZE) {
      await deleteBatch(client, tableName, keys.slice(start, start + BATCH_SIZE), settings, logger)
    }
    deleted += keys.length
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return deleted
}
