import { randomBytes } from 'node:crypto'
import {
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
} from '@lambda-session/dynamodb-store'
import {
  createLocalDynamoDBClient,
  describeIdempotencyStoreConformance,
  describeSessionMiddlewareConformance,
  describeSessionStoreConformance,
} from '@lambda-session/testing'

// The shared conformance suites, run against DynamoDB Local: the same tests
// every other store (and a user's own) must pass. Each suite gets a table of its own.

function localClient() {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through the root Jest config.')
  return createLocalDynamoDBClient(endpoint)
}

const tableName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`

async function sessionStore() {
  const client = localClient()
  const name = tableName('conformance-sessions')
  await ensureSessionTable({ client, tableName: name })
  return { store: new DynamoDBSessionStore({ client, tableName: name }), cleanup: () => client.destroy() }
}

describeSessionStoreConformance('DynamoDBSessionStore', { createStore: sessionStore })

describeSessionMiddlewareConformance('DynamoDBSessionStore', { createStore: sessionStore })

describeIdempotencyStoreConformance('DynamoDBIdempotencyStore', {
  createStore: async () => {
    const client = localClient()
    const name = tableName('conformance-idempotency')
    await ensureIdempotencyTable({ client, tableName: name })
    return { store: new DynamoDBIdempotencyStore({ client, tableName: name }), cleanup: () => client.destroy() }
  },
})
