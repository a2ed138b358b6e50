import type { BillingMode, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SESSION_ATTRIBUTES, SESSION_USER_INDEX } from './session-item.js'
import { type EnsureTableResult, ensureTable, type TableDefinition, type TableWaitOptions } from './table-setup.js'

/** Capacity of a `PROVISIONED` table (and of its index). */
export interface ProvisionedCapacity {
  /** @default 5 */
  ReadCapacityUnits: number
  /** @default 5 */
  WriteCapacityUnits: number
}

/** Options of {@link sessionTableDefinition}. */
export interface SessionTableDefinitionOptions {
  /**
   * `PAY_PER_REQUEST` (on-demand) suits spiky Lambda traffic and needs no
   * capacity planning; `PROVISIONED` uses {@link provisionedCapacity}.
   * @default 'PAY_PER_REQUEST'
   */
  billingMode?: BillingMode
  /**
   * Read/write capacity for the table and its index when `billingMode` is `PROVISIONED`.
   * @default { ReadCapacityUnits: 5, WriteCapacityUnits: 5 }
   */
  provisionedCapacity?: ProvisionedCapacity
}

/**
 * Defaults of {@link SessionTableDefinitionOptions}.
 *
 * @example
 * ```ts
 * sessionTableDefinition('UserSessions', { ...sessionTableDefaults, billingMode: 'PROVISIONED' })
 * ```
 */
export const sessionTableDefaults = {
  billingMode: 'PAY_PER_REQUEST',
  provisionedCapacity: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
} as const satisfies Required<SessionTableDefinitionOptions>

/**
 * The session table: partition key `pk` (S), a keys-only global secondary
 * index `userId-index` on `userId` (S) to revoke a user's sessions, and TTL
 * on `ttl`. The object is valid `CreateTableCommand` input (minus
 * `TimeToLiveSpecification`, which `ensureSessionTable` applies separately)
 * and valid `Properties` of an `AWS::DynamoDB::Table` in a SAM/CloudFormation
 * template.
 *
 * @example
 * ```ts
 * // print the Properties block for a SAM template
 * console.log(JSON.stringify(sessionTableDefinition('UserSessions'), null, 2))
 * ```
 */
export function sessionTableDefinition(
  tableName: string,
  options: SessionTableDefinitionOptions = {},
): TableDefinition {
  const billingMode = options.billingMode ?? sessionTableDefaults.billingMode
  const capacity =
    billingMode === 'PROVISIONED'
      ? { ProvisionedThroughput: { ...(options.provisionedCapacity ?? sessionTableDefaults.provisionedCapacity) } }
      : {}
  return {
    TableName: tableName,
    BillingMode: billingMode,
    AttributeDefinitions: [
      { AttributeName: SESSION_ATTRIBUTES.id, AttributeType: 'S' },
      { AttributeName: SESSION_ATTRIBUTES.userId, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: SESSION_ATTRIBUTES.id, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: SESSION_USER_INDEX,
        KeySchema: [{ AttributeName: SESSION_ATTRIBUTES.userId, KeyType: 'HASH' }],
        // Revocation needs only the table keys; projecting nothing else keeps the index cheap.
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ...capacity,
      },
    ],
    ...capacity,
    TimeToLiveSpecification: { AttributeName: SESSION_ATTRIBUTES.ttl, Enabled: true },
  }
}

/** Options of {@link ensureSessionTable}. */
export interface EnsureSessionTableOptions extends SessionTableDefinitionOptions, TableWaitOptions {
  /** A client allowed `DescribeTable`, `CreateTable`, `DescribeTimeToLive` and `UpdateTimeToLive`. */
  client: DynamoDBClient
  /** The session table's name. */
  tableName: string
}

/**
 * Creates the session table if it doesn't exist, waits until it is ACTIVE
 * and switches TTL on `ttl` on. Idempotent: run it on every deploy, in a
 * test's setup, or use the `lambda-session-tables` CLI that wraps it.
 *
 * @example
 * ```ts
 * const { created } = await ensureSessionTable({ client, tableName: 'UserSessions' })
 * ```
 */
export async function ensureSessionTable(options: EnsureSessionTableOptions): Promise<EnsureTableResult> {
  const { client, tableName, ...rest } = options
  return ensureTable(client, sessionTableDefinition(tableName, rest), rest)
}
