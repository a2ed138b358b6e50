/**
 * What the session-using functions of the example apps share in one
 * container, set up once at cold start: the DynamoDB client, the session
 * options (the same object goes to `sessionLoader`, `sessionSaver` and the
 * authorizer) and the idempotency store. The session API imports this too
 * (`example-shop/config`): both apps use one session table and one key
 * ring, so a session made by either is valid in both.
 *
 * Functions that need no session (the page, `/slow`, `/me`) don't import
 * it, so they neither read the secret nor need DynamoDB permissions.
 */
import type { SessionOptions } from '@lambda-session/core'
import { DynamoDBIdempotencyStore, DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
import { createDynamoDBClient } from './dynamodb-client.js'
import { logger } from './logger.js'
import { loadSessionSecrets, readSettings } from './settings.js'

export { logger }

export const settings = readSettings()

export const client = createDynamoDBClient(settings)

export const sessions: SessionOptions = {
  store: new DynamoDBSessionStore({ client, tableName: settings.sessionTable, logger }),
  secrets: await loadSessionSecrets(),
  cookie: { secure: settings.cookieSecure }, // HttpOnly, SameSite=Lax and Path=/ are the defaults
  logger,
}

export const idempotencyStore = new DynamoDBIdempotencyStore({ client, tableName: settings.idempotencyTable, logger })
