import { startDynamoDBLocal } from '../packages/testing/src/dynamodb-local.ts'

/**
 * Starts one DynamoDB Local for the whole Jest run and hands its endpoint to
 * the test files through the environment. Each test file creates tables with
 * names of its own, so files never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DYNAMODB_ENDPOINT) return // an already running instance
  const local = await startDynamoDBLocal()
  process.env.DYNAMODB_ENDPOINT = local.endpoint
  ;(globalThis as { __dynamoDBLocal__?: typeof local }).__dynamoDBLocal__ = local
}
