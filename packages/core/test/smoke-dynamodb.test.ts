import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { createLocalDynamoDBClient } from '@lambda-session/testing'

test('DynamoDB Local from the global setup answers', async () => {
  const client = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
  const result = await client.send(new ListTablesCommand({}))
  expect(Array.isArray(result.TableNames)).toBe(true)
  client.destroy()
})
