import type { BillingMode, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { IDEMPOTENCY_ATTRIBUTES } from './idempotency-item.js'
import type { ProvisionedCapacity } from './session-table.js'
import { type EnsureTableResult, ensureTable, type TableDefinition, type TableWaitOptions } from './table-setup.js'

/** Options of {@link idempotencyTableDefinition}. */
export interface IdempotencyTableDefinitionOptions {
  /**
   * `PAY_PER_REQUEST` (on-demand) suits spiky Lambda traffic and needs no
   * capacity planning; `PROVISIONED` uses {@link provisionedCapacity}.
   * @default 'PAY_PER_REQUEST'
   */
  billingMode?: BillingMode
  /**
   * Read/write capacity of the table when `billingMode` is `PROVISIONED`.
   * Every guarded request costs writes only (a refused conditional put,
   * which is how a replay reads, still consumes write capacity).
   * @default { ReadCapacityUnits: 5, WriteCapacityUnits: 5 }
   */
  provisionedCapacity?: ProvisionedCapacity
}

/**
 * Defaults of {@link IdempotencyTableDefinitionOptions}.
 *
 * @example
 * ```ts
 * idempotencyTableDefinition('Idempotency', { ...idempotencyTableDefaults, billingMode: 'PROVISIONED' })
 * ```
 */
export const idempotencyTableDefaults = {
  billingMode: 'PAY_PER_REQUEST',
  provisionedCapacity: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
} as const satisfies Required<IdempotencyTableDefinitionOptions>

/**
 * The idempotency table: partition key `pk` (S), no index (every access is
 * by key), TTL on `ttl`. The object is valid `CreateTableCommand` input
 * (minus `TimeToLiveSpecification`, which `ensureIdempotencyTable` applies
 * separately) and valid `Properties` of an `AWS::DynamoDB::Table` in a
 * SAM/CloudFormation template.
 *
 * @example
 * ```ts
 * // print the Properties block for a SAM template
 * console.log(JSON.stringify(idempotencyTableDefinition('Idempotency'), null, 2))
 * ```
 */
export function idempotencyTableDefinition(
  tableName: string,
  options: IdempotencyTableDefinitionOptions = {},
): TableDefinition {
  const billingMode = options.billingMode ?? idempotencyTableDefaults.billingMode
  const capacity =
    billingMode === 'PROVISIONED'
      ? { ProvisionedThroughput: { ...(options.provisionedCapacity ?? idempotencyTableDefaults.provisionedCapacity) } }
      : {}
  return {
    TableName: tableName,
    BillingMode: billingMode,
    AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_ATTRIBUTES.keyHash, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: IDEMPOTENCY_ATTRIBUTES.keyHash, KeyType: 'HASH' }],
    ...capacity,
    TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_ATTRIBUTES.ttl, Enabled: true },
  }
}

/** Options of {@link ensureIdempotencyTable}. */
export interface EnsureIdempotencyTableOptions extends IdempotencyTableDefinitionOptions, TableWaitOptions {
  /** A client allowed `DescribeTable`, `CreateTable`, `DescribeTimeToLive` and `UpdateTimeToLive`. */
  client: DynamoDBClient
  /** The idempotency table's name. */
  tableName: string
}

/**
 * Creates the idempotency table if it doesn't exist, waits until it is
 * ACTIVE and switches TTL on `ttl` on. Idempotent: run it on every deploy,
 * in a test's setup, or use `lambda-session-tables create --idempotency-table`.
 * An existing table with another key, or TTL on another attribute, is
 * refused with a `ConfigurationError`.
 *
 * @example
 * ```ts
 * const { created } = await ensureIdempotencyTable({ client, tableName: 'Idempotency' })
 * ```
 */
export async function ensureIdempotencyTable(options: EnsureIdempotencyTableOptions): Promise<EnsureTableResult> {
  const { client, tableName, ...rest } = options
  return ensureTable(client, idempotencyTableDefinition(tableName, rest), rest)
}
