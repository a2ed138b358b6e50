export { IDEMPOTENCY_FIELDS } from './idempotency-fields.js'
export { type RedisArgument, type RedisClient, redisClientDefaults } from './redis-client.js'
export {
  MALFORMED_RECORD_LOCK_MS,
  RedisIdempotencyStore,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency-store.js'
export { REDIS_KEY_SPACES } from './redis-keys.js'
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-session-store.js'
export { type RedisStoreOptions, redisStoreDefaults } from './redis-store-options.js'
export { SESSION_FIELDS } from './session-fields.js'
