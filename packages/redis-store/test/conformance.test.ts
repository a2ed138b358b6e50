import { RedisIdempotencyStore, RedisSessionStore } from '@lambda-session/redis-store'
import {
  describeIdempotencyStoreConformance,
  describeSessionMiddlewareConformance,
  describeSessionStoreConformance,
} from '@lambda-session/testing'
import { startRedisServer } from '../src/testing/index.js'
import { connectClient } from './helpers.js'

// The suites every store must pass, each on a redis-server of its own.
async function redisFor<TStore>(makeStore: (client: Awaited<ReturnType<typeof connectClient>>) => TStore) {
  const server = await startRedisServer()
  const client = await connectClient(server)
  return {
    store: makeStore(client),
    cleanup: async () => {
      client.disconnect()
      await server.stop()
    },
  }
}

describeSessionStoreConformance('RedisSessionStore', {
  createStore: () => redisFor((client) => new RedisSessionStore({ client })),
})

describeSessionMiddlewareConformance('RedisSessionStore', {
  createStore: () => redisFor((client) => new RedisSessionStore({ client })),
})

describeIdempotencyStoreConformance('RedisIdempotencyStore', {
  createStore: () => redisFor((client) => new RedisIdempotencyStore({ client })),
})
