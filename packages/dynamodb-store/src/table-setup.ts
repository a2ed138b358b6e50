import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { ConfigurationError } from '@lambda-session/core'
import { PACKAGE_NAME } from './dynamodb-errors.js'

/**
 * A table as both `CreateTableCommand` input and the `Properties` of a
 * CloudFormation/SAM `AWS::DynamoDB::Table` (the property names are the
 * same), plus the TTL setting CloudFormation takes in the same object.
 *
 * @example
 * ```ts
 * const { TimeToLiveSpecification, ...createInput } = sessionTableDefinition('UserSessions')
 * await client.send(new CreateTableCommand(createInput))
 * ```
 */
export interface TableDefinition extends CreateTableCommandInput {
  /** The item attribute DynamoDB's TTL deletes expired items by. */
  TimeToLiveSpecification: { AttributeName: string; Enabled: true }
}

/** How long {@link ensureTable} waits for a new table. */
export interface TableWaitOptions {
  /**
   * Longest wait for a new table (and its indexes) to become ACTIVE.
   * @default 120000
   */
  maxWaitMs?: number
  /**
   * Pause between two `DescribeTable` polls while waiting.
   * @default 500
   */
  pollIntervalMs?: number
}

/** What {@link ensureTable} did. */
export interface EnsureTableResult {
  /** The table's name. */
  tableName: string
  /** True when the table was created now, false when it existed. */
  created: boolean
  /** True when TTL was switched on now, false when it already was. */
  ttlEnabled: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined
    throw error
  }
}

function isActive(table: TableDescription | undefined): boolean {
  return (
    table?.TableStatus === 'ACTIVE' &&
    (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
  )
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  options: TableWaitOptions,
): Promise<TableDescription> {
  const deadline = Date.now() + (options.maxWaitMs ?? 120_000)
  for (;;) {
    const table = await describe(client, tableName)
    if (table && isActive(table)) return table
    if (Date.now() >= deadline) {
      throw new Error(
        `Table '${tableName}' is not ACTIVE after ${options.maxWaitMs ?? 120_000} ms (${table?.TableStatus}).`,
      )
    }
    await sleep(options.pollIntervalMs ?? 500)
  }
}

/** An existing table with another key or without the index would fail at request time: say so now. */
function checkShape(table: TableDescription, definition: TableDefinition): void {
  const problem = (what: string) =>
    new ConfigurationError(
      `Table '${definition.TableName}' exists but ${what}; delete it or choose another table name.`,
      { package: PACKAGE_NAME },
    )
  const key = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    JSON.stringify((schema ?? []).map((element) => [element.AttributeName, element.KeyType]))
  if (key(table.KeySchema) !== key(definition.KeySchema)) throw problem('has a different primary key')
  for (const wanted of definition.GlobalSecondaryIndexes ?? []) {
    const found = table.GlobalSecondaryIndexes?.find((index) => index.IndexName === wanted.IndexName)
    if (!found) throw problem(`has no global secondary index '${wanted.IndexName}'`)
    if (key(found.KeySchema) !== key(wanted.KeySchema)) throw problem(`index '${wanted.IndexName}' has a different key`)
  }
}

async function ensureTimeToLive(client: DynamoDBClient, definition: TableDefinition): Promise<boolean> {
  const tableName = definition.TableName
  const wanted = definition.TimeToLiveSpecification.AttributeName
  const { TimeToLiveDescription: current } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  const status = current?.TimeToLiveStatus
  if (status === 'ENABLED' || status === 'ENABLING') {
    if (current?.AttributeName === wanted) return false
    // DynamoDB allows one TTL attribute per table; switching it would stop cleaning up the other data.
    throw new ConfigurationError(
      `Table '${tableName}' has TTL on '${current?.AttributeName}', not '${wanted}'; its items expire by '${wanted}'.`,
      { package: PACKAGE_NAME },
    )
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: wanted, Enabled: true },
      }),
    )
  } catch (error) {
    // A concurrent ensure switched it on between our describe and update.
    if (errorName(error) === 'ValidationException' && /already enabled/i.test((error as Error).message)) return false
    throw error
  }
  return true
}

/**
 * Makes sure a table exists as defined, idempotently: creates it if missing
 * (a concurrent creation is fine), waits until it and its indexes are
 * ACTIVE, checks an existing table's keys and indexes, then switches TTL on
 * unless it already is. Safe to call on every deploy or cold start. SDK
 * errors (no credentials, unreachable endpoint) are thrown as they are.
 *
 * @internal
 * @example
 * ```ts
 * await ensureTable(client, sessionTableDefinition('UserSessions'))
 * ```
 */
export async function ensureTable(
  client: DynamoDBClient,
  definition: TableDefinition,
  options: TableWaitOptions = {},
): Promise<EnsureTableResult> {
  const tableName = definition.TableName as string
  let created = false
  const existing = await describe(client, tableName)
  if (!existing) {
    const { TimeToLiveSpecification: _ttl, ...createInput } = definition
    try {
      await client.send(new CreateTableCommand(createInput))
      created = true
    } catch (error) {
      // Someone else created it between our describe and create: wait for theirs.
      if (errorName(error) !== 'ResourceInUseException') throw error
    }
  }
  const table = existing && isActive(existing) ? existing : await waitUntilActive(client, tableName, options)
  checkShape(table, definition)
  const ttlEnabled = await ensureTimeToLive(client, definition)
  return { tableName, created, ttlEnabled }
}
