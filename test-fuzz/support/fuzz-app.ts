import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createLocalDynamoDBClient } from '@lambda-session/testing'
import { createFaultApp, ensureFaultTables, faultTables } from '../../test-faults/support/fault-app.js'

/**
 * The fault suites' app (cart, checkout, any-JSON values, whoami; the full
 * README chain with the watchdog) on the shared DynamoDB Local, with tables
 * of its own. `errors` collects what `http-error-handler` answered for.
 */
export async function startFuzzApp(prefix: string) {
  const client: DynamoDBClient = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
  const tables = faultTables(prefix)
  await ensureFaultTables(process.env.DYNAMODB_ENDPOINT as string, tables)
  const errors: unknown[] = []
  const app = createFaultApp({ client, tables, watchdogMarginMs: 500, onError: (error) => errors.push(error) })
  return { ...app, client, tables, errors }
}
