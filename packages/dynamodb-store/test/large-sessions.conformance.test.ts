import { randomBytes } from 'node:crypto'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import {
  createLocalDynamoDBClient,
  describeSessionMiddlewareConformance,
  describeSessionStoreConformance,
} from '@lambda-session/testing'
import { startS3CompatibleServer } from './s3-compatible-server.js'

// The shared conformance suites against the store with large sessions on
// and a 1-byte threshold, so every session, even an empty one, keeps its
// data in S3: each write is a whole rewrite with a conditional pointer swap.

const BUCKET = 'conformance-large-sessions'

async function overflowingStore() {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through the root Jest config.')
  const client = createLocalDynamoDBClient(endpoint)
  const tableName = `conformance-large-${randomBytes(4).toString('hex')}`
  const server = await startS3CompatibleServer([BUCKET])
  const s3 = server.client()
  await ensureSessionTable({ client, tableName })
  const store = new DynamoDBSessionStore({
    client,
    tableName,
    // Writes to one S3 session serialize (each parallel rewrite retries after a lost race), and 50 of them
    // share two cores with DynamoDB Local and the S3 server: measured 10-16 s, far past the 5 s default.
    timeoutMs: 60_000,
    largeSessions: { client: s3, bucket: BUCKET, thresholdBytes: 1 },
  })
  return {
    store,
    cleanup: async () => {
      s3.destroy()
      client.destroy()
      await server.stop()
    },
  }
}

describeSessionStoreConformance('DynamoDBSessionStore with every session in S3', {
  createStore: overflowingStore,
  // Parallel writes to one S3 session queue behind each other (see the README's
  // contention figures): 12 writers prove the merge rules without spending
  // minutes of CI on a queue of 50.
  concurrency: 12,
  testTimeoutMs: 120_000,
})

describeSessionMiddlewareConformance('DynamoDBSessionStore with every session in S3', {
  createStore: overflowingStore,
  concurrency: 12,
  testTimeoutMs: 120_000,
})
