// For comparison: the app made idempotent with Powertools, configured as in the latency scenarios.

import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { shopApp } from '../app/shop-app.ts'

const client = new DynamoDBClient({ maxAttempts: 3 })
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'Idempotency', awsSdkV3Client: client })
const config = new IdempotencyConfig({
  eventKeyJmesPath: 'headers."idempotency-key"',
  payloadValidationJmesPath: 'body',
})

export const handler = middy(shopApp).use(makeHandlerIdempotent({ persistenceStore, config })).use(httpErrorHandler())
