import type { DynamoDBLocal } from '../packages/testing/src/dynamodb-local.ts'

/** Stops the DynamoDB Local that global-setup started, by its process. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamoDBLocal__?: DynamoDBLocal }).__dynamoDBLocal__?.stop()
}
