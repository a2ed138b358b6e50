import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import middy from '@middy/core'
import type { Invoke } from './chains.ts'
import { shopApp } from './shop-app.ts'

/**
 * The same app made idempotent the Powertools way, configured to do the same
 * job as `idempotencyGuard`: the key from the `Idempotency-Key` header (HTTP
 * API lower-cases header names) and a payload check on the body, so a reused
 * key with another payload is refused as ours refuses it with a 422.
 */
export function powertoolsIdempotentHandler(client: DynamoDBClient, tableName: string): Invoke {
  return powertoolsHandlerOn(new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }))
}

/** The same configuration on any persistence layer (the CPU benchmark's is in memory). */
export function powertoolsHandlerOn(persistenceStore: BasePersistenceLayer): Invoke {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'headers."idempotency-key"',
    payloadValidationJmesPath: 'body',
  })
  return middy(shopApp).use(makeHandlerIdempotent({ persistenceStore, config })) as unknown as Invoke
}

/** Powertools' default table shape: partition key `id` (S), TTL on `expiration`; the bench creates it on DynamoDB Local. */
export const POWERTOOLS_KEY_ATTRIBUTE = 'id'
export const POWERTOOLS_TTL_ATTRIBUTE = 'expiration'
