export { DynamoDBSessionStore, type DynamoDBSessionStoreOptions } from './dynamodb-session-store.js'
export { SESSION_ATTRIBUTES, SESSION_USER_INDEX } from './session-item.js'
export {
  type EnsureSessionTableOptions,
  ensureSessionTable,
  type ProvisionedCapacity,
  type SessionTableDefinitionOptions,
  sessionTableDefaults,
  sessionTableDefinition,
} from './session-table.js'
export type { EnsureTableResult, TableDefinition, TableWaitOptions } from './table-setup.js'
export { runTablesCli, type TablesCliIo } from './tables-cli.js'
