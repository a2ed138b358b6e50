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

/** What {@link trackDynamoDBCalls} has counted so far. */
export interface DynamoDBCallCounter {
  /** Calls by command name, e.g. `{ GetItemCommand: 1, UpdateItemCommand: 1 }`. */
  readonly counts: Record<string, number>
  /** Calls of one command (0 if none). */
  count(commandName: string): number
  /** Every call, reads and writes alike. */
  total(): number
  /** Calls that write: PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem. */
  writes(): number
  /** Starts counting from zero again. */
  reset(): void
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
 * Counts every command the client sends (each is one round trip; SDK retries
 * of one command count once), so tests can assert round trips exactly.
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
  const counts: Record<string, number> = {}
  client.middlewareStack.add(
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
    writes: () => Object.entries(counts).reduce((sum, [name, n]) => sum + (WRITE_COMMANDS.has(name) ? n : 0), 0),
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key]
    },
  }
}
