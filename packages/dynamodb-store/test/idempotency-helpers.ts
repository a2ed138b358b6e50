// The records the guard builds come from the testing package (shared with the Redis store's tests and the conformance suite).
export {
  inProgressIdempotencyRecord as inProgressRecord,
  newIdempotencyKeyHash as newKeyHash,
  newLockToken,
} from '@lambda-session/testing'

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { rawItem } from './helpers.js'

/** The stored item as plain values (strings and numbers as DynamoDB holds them), bypassing the store. */
export async function storedItem(client: DynamoDBClient, tableName: string, keyHash: string) {
  const item = await rawItem(client, tableName, keyHash)
  if (!item) return undefined
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, value.S ?? (value.N === undefined ? value : `N:${value.N}`)]),
  )
}
