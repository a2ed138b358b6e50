import { randomUUID } from 'node:crypto'
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import type { SessionRecord } from '@lambda-session/core'
import { createLocalDynamoDBClient } from '@lambda-session/testing'

/** The DynamoDB Local the Jest global setup started. */
export function localClient(): DynamoDBClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through the Jest global setup.')
  return createLocalDynamoDBClient(endpoint)
}

/** A table name no other test file uses. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/** A fresh id hash (the store never sees real ids). */
export function newIdHash(): string {
  return randomUUID().replaceAll('-', '')
}

/** A valid record, one hour from expiry. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return {
    idHash: newIdHash(),
    data: {},
    versions: {},
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    ...overrides,
  }
}

/** The raw stored item, bypassing the store, to check what is really in the table. */
export async function rawItem(client: DynamoDBClient, tableName: string, idHash: string) {
  const output = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: idHash } }, ConsistentRead: true }),
  )
  return output.Item
}

/** Resolves to the error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the promise to reject, but it resolved')
}
