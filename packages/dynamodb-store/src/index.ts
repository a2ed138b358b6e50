export {
  DynamoDBIdempotencyStore,
  type DynamoDBIdempotencyStoreOptions,
  MALFORMED_RECORD_LOCK_MS,
} from './dynamodb-idempotency-store.js'
export { DynamoDBSessionStore, type DynamoDBSessionStoreOptions } from './dynamodb-session-store.js'
export { IDEMPOTENCY_ATTRIBUTES } from './idempotency-item.js'
export { IdempotencyRecordTooLargeError } from './idempotency-record-too-large-error.js'
export {
  type EnsureIdempotencyTableOptions,
  ensureIdempotencyTable,
  type IdempotencyTableDefinitionOptions,
  idempotencyTableDefaults,
  idempotencyTableDefinition,
} from './idempotency-table.js'
export { LARGE_SESSION_ATTRIBUTES } from './large-session-item.js'
export { type LargeSessionOptions, largeSessionDefaults } from './large-session-options.js'
export { SESSION_ATTRIBUTES, SESSION_USER_INDEX } from './session-item.js'
export {
  type EnsureSessionTableOptions,
  ensureSessionTable,
  type ProvisionedCapacity,
  type SessionTableDefinitionOptions,
  sessionTableDefaults,
  sessionTableDefinition,
} from './session-table.js'
export {
  type StoreCallBudget,
  type StoreCallOptions,
  storeCallDefaults,
} from './store-call-budget.js'
export { createStoreClient, type StoreClientSource, type StoreClientTimeouts } from './store-client.js'
export type { EnsureTableResult, TableDefinition, TableWaitOptions } from './table-setup.js'
export { runTablesCli, type TablesCliIo } from './tables-cli.js'
