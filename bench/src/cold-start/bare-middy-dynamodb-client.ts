// As bare-middy, plus the DynamoDB client any function keeping state there creates at init:
// the fair baseline for the chain, which needs that client too.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { shopApp } from '../app/shop-app.ts'

// Exported so no bundler drops it as unused.
export const client = new DynamoDBClient({ maxAttempts: 3 })
export const handler = middy(shopApp).use(httpErrorHandler())
