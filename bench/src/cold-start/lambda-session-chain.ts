// The example handler with every lambda-session middleware, composed as DESIGN.md and the READMEs show.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBIdempotencyStore, DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { shopApp } from '../app/shop-app.ts'

const client = new DynamoDBClient({ maxAttempts: 3 })
const sessions = {
  store: new DynamoDBSessionStore({ client, tableName: 'UserSessions' }),
  secrets: [process.env.SESSION_SECRET],
}

export const handler = middy(shopApp, { executionMode: executionModeTimeoutWatchdog })
  .use(timeoutWatchdog({ marginMs: 500 }))
  .use(httpCookieParser())
  .use(sessionLoader(sessions))
  .use(idempotencyGuard({ store: new DynamoDBIdempotencyStore({ client, tableName: 'Idempotency' }) }))
  .use(sessionSaver(sessions))
  .use(httpErrorHandler())
