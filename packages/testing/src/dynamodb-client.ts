import { DynamoDBClient } from '@aws-sdk/client-dynamodb'

/**
 * An SDK client for DynamoDB Local: fixed region and dummy credentials
 * (DynamoDB Local accepts any), so tests never reach for real AWS settings.
 *
 * @example
 * ```ts
 * const client = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT!)
 * ```
 */
export function createLocalDynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  })
}

/** What {@link trackClientCalls} has counted so far. */
export interface ClientCallCounter {
  /** Calls by command name, e.g. `{ GetItemCommand: 1, UpdateItemCommand: 1 }`. */
  readonly counts: Record<string, number>
  /** Calls of one command (0 if none). */
  count(commandName: string): number
  /** Every call. */
  total(): number
  /** Starts counting from zero again. */
  reset(): void
}

/** What {@link trackDynamoDBCalls} has counted so far. */
export interface DynamoDBCallCounter extends ClientCallCounter {
  /** Calls that write: PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem. */
  writes(): number
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
])

let trackerId = 0

/**
 * Counts every command an AWS SDK v3 client sends, whatever the service
 * (each is one round trip; SDK retries of one command count once), so tests
 * can assert round trips exactly.
 *
 * @example
 * ```ts
 * const s3Calls = trackClientCalls(s3Client)
 * expect(s3Calls.count('GetObjectCommand')).toBe(0)
 * ```
 */
export function trackClientCalls(client: { middlewareStack: unknown }): ClientCallCounter {
  const counts: Record<string, number> = {}
  // Every v3 client's stack takes the same initialize-step middleware; typed through DynamoDB's.
  ;(client.middlewareStack as DynamoDBClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const name = String(context.commandName)
      counts[name] = (counts[name] ?? 0) + 1
      return next(args)
    },
    { step: 'initialize', name: `lambdaSessionCallCounter${++trackerId}` },
  )
  return {
    counts,
    count: (commandName) => counts[commandName] ?? 0,
    total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key]
    },
  }
}

/**
 * {@link trackClientCalls} for a DynamoDB client, plus the count of writes.
 *
 * @example
 * ```ts
 * const calls = trackDynamoDBCalls(client)
 * await handler(event, context)
 * expect(calls.count('GetItemCommand')).toBe(1)
 * expect(calls.writes()).toBe(0)
 * ```
 */
export function trackDynamoDBCalls(client: DynamoDBClient): DynamoDBCallCounter {
  const tracker = trackClientCalls(client)
  const writes = () =>
    Object.entries(tracker.counts).reduce((sum, [name, n]) => sum + (WRITE_COMMANDS.has(name) ? n : 0), 0)
  return Object.assign(tracker, { writes })
}
