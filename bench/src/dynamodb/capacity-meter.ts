import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb'

/** Capacity units consumed since the last reset, as DynamoDB reported them. */
export interface CapacityMeter {
  readUnits(): number
  writeUnits(): number
  /**
   * Calls that came back without a capacity figure: DynamoDB reports none
   * with a failed condition (a refused acquire, i.e. every replay), although
   * it still charges the write.
   */
  unreported(): number
  reset(): void
}

const READ_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
  'QueryCommand',
  'ScanCommand',
])
const DATA_COMMANDS = new Set([
  ...READ_COMMANDS,
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
])

let meterId = 0

function unitsOf(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number | undefined {
  if (consumed === undefined) return undefined
  const list = Array.isArray(consumed) ? consumed : [consumed]
  return list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0)
}

/**
 * Asks DynamoDB for `ReturnConsumedCapacity: TOTAL` on every data call the
 * client sends and adds up what comes back, split into reads and writes by
 * command. Done on the client, so the stores under test stay unchanged and
 * Powertools' calls are counted the same way as ours.
 */
export function meterConsumedCapacity(client: DynamoDBClient): CapacityMeter {
  let read = 0
  let write = 0
  let unreported = 0
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName)
      if (!DATA_COMMANDS.has(command)) return next(args)
      ;(args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL'
      try {
        const result = await next(args)
        const units = unitsOf((result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity)
        if (units === undefined) unreported++
        else if (READ_COMMANDS.has(command)) read += units
        else write += units
        return result
      } catch (error) {
        unreported++
        throw error
      }
    },
    { step: 'initialize', name: `benchCapacityMeter${++meterId}` },
  )
  return {
    readUnits: () => read,
    writeUnits: () => write,
    unreported: () => unreported,
    reset: () => {
      read = 0
      write = 0
      unreported = 0
    },
  }
}
