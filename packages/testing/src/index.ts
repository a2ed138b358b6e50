export * from './dynamodb-client.js'
export * from './dynamodb-local.js'
