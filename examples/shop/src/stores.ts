import type { IdempotencyStore, Logger, SessionStore } from '@lambda-session/core'
import type { ExampleSettings, SessionStoreKind } from './settings.js'

/** The two stores the apps' middlewares use, as `SESSION_STORE` chose them. */
export interface ExampleStores {
  /** Which store `SESSION_STORE` chose. */
  kind: SessionStoreKind
  /** For `sessionLoader`, `sessionSaver` and the authorizer. */
  sessionStore: SessionStore
  /** For `idempotencyGuard`. */
  idempotencyStore: IdempotencyStore
}

/**
 * Builds the stores `settings.sessionStore` names. This is the only place
 * that knows which database the apps run on: every handler takes
 * `sessions` and `idempotencyStore` from `config.ts` and is the same code
 * on all three.
 *
 * Each store's client library is imported only when it is chosen (a
 * bundle still contains all three, but a cold start evaluates one).
 */
export async function createStores(settings: ExampleSettings, logger: Logger): Promise<ExampleStores> {
  switch (settings.sessionStore) {
    case 'dynamodb': {
      const { DynamoDBIdempotencyStore, DynamoDBSessionStore } = await import('@lambda-session/dynamodb-store')
      const client = await dynamoDBClient(settings)
      return {
        kind: 'dynamodb',
        sessionStore: new DynamoDBSessionStore({ client, tableName: settings.sessionTable, logger }),
        idempotencyStore: new DynamoDBIdempotencyStore({ client, tableName: settings.idempotencyTable, logger }),
      }
    }
    case 'redis': {
      if (!settings.redisUrl) {
        throw new Error(
          'SESSION_STORE=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379); locally, `pnpm start` starts a redis-server itself when REDIS_URL is unset.',
        )
      }
      const [{ Redis }, { RedisIdempotencyStore, RedisSessionStore, redisClientDefaults }] = await Promise.all([
        import('ioredis'),
        import('@lambda-session/redis-store'),
      ])
      // One connection per container, with timeouts that turn an outage into a quick 503 (see the store's README).
      const client = new Redis(settings.redisUrl, { ...redisClientDefaults })
      // Without a listener ioredis prints every reconnection failure as an unhandled error; the 503s say enough.
      client.on('error', (error: Error) => logger.warn('redis connection error', { error: error.message }))
      return {
        kind: 'redis',
        sessionStore: new RedisSessionStore({ client, logger }),
        idempotencyStore: new RedisIdempotencyStore({ client, logger }),
      }
    }
    case 'cookie': {
      const [{ CookieSessionStore }, { DynamoDBIdempotencyStore }] = await Promise.all([
        import('@lambda-session/cookie-store'),
        import('@lambda-session/dynamodb-store'),
      ])
      // Exactly-once needs a record every retry finds, wherever it lands: a cookie lives on one
      // client only (and a lost response loses it), so checkout's records stay in DynamoDB.
      const client = await dynamoDBClient(settings)
      return {
        kind: 'cookie',
        sessionStore: new CookieSessionStore(),
        idempotencyStore: new DynamoDBIdempotencyStore({ client, tableName: settings.idempotencyTable, logger }),
      }
    }
  }
}

async function dynamoDBClient(settings: ExampleSettings) {
  const { createDynamoDBClient } = await import('./dynamodb-client.js')
  return createDynamoDBClient(settings)
}
