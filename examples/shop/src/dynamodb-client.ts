import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { ExampleSettings } from './settings.js'

/**
 * The one DynamoDB client of the container, with bounded retries and
 * timeouts so an outage ends as a quick 503 instead of a hung invocation.
 * Against a local endpoint it needs no AWS account: dummy credentials
 * unless real ones are configured.
 */
export function createDynamoDBClient(settings: ExampleSettings, env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  const requestHandler = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true }
  if (!settings.dynamodbEndpoint) return new DynamoDBClient({ maxAttempts: 3, requestHandler })
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE)
  return new DynamoDBClient({
    maxAttempts: 3,
    requestHandler,
    endpoint: settings.dynamodbEndpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  })
}
