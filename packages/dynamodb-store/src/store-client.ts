import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { storeCallDefaults } from './store-call-budget.js'

/** Timeouts of a client made by {@link createStoreClient}. */
export interface StoreClientTimeouts {
  /** ms to open the TCP/TLS connection. @default 1000 */
  connectionTimeoutMs?: number
  /** ms to wait for an answer once connected; the SDK throws when it passes. @default 2000 */
  requestTimeoutMs?: number
}

/**
 * A `DynamoDBClient` set up for the stores: connection and request timeouts
 * that throw (`throwOnRequestTimeout`), and `maxAttempts: 1`, because the
 * stores retry themselves with jittered back-off inside their deadline;
 * SDK retries on top would multiply the attempts. Anything in `config`
 * (region, endpoint, credentials, even `maxAttempts` or `requestHandler`)
 * wins over these defaults. Create it once per container and share it.
 *
 * @param config - the SDK client configuration @default {}
 * @param timeouts - connection and request timeouts @default { connectionTimeoutMs: 1000, requestTimeoutMs: 2000 }
 * @example
 * ```ts
 * const client = createStoreClient({ region: 'eu-west-1' })
 * const sessions = new DynamoDBSessionStore({ client, tableName: 'UserSessions' })
 * const idempotency = new DynamoDBIdempotencyStore({ client, tableName: 'Idempotency' })
 * ```
 */
export function createStoreClient(
  config: DynamoDBClientConfig = {},
  timeouts: StoreClientTimeouts = {},
): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs ?? storeCallDefaults.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs ?? storeCallDefaults.attemptTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...config,
  })
}

/** How a store gets its client: one you pass, or one it makes from `clientConfig`. */
export interface StoreClientSource {
  /** A client you made and share (keep its timeouts bounded, see the README). */
  client?: DynamoDBClient
  /** Without `client`: the store makes its own with {@link createStoreClient}. */
  clientConfig?: DynamoDBClientConfig
  /** Connection timeout of the client the store makes from `clientConfig`. @default 1000 */
  connectionTimeoutMs?: number
}

/**
 * The client to use, or `undefined` when neither `client` nor
 * `clientConfig` was given (the store then refuses to start).
 *
 * @internal
 * @example
 * ```ts
 * const client = storeClientFrom(options, budget.attemptTimeoutMs)
 * ```
 */
export function storeClientFrom(source: StoreClientSource, requestTimeoutMs: number): DynamoDBClient | undefined {
  if (source.client !== undefined) return typeof source.client?.send === 'function' ? source.client : undefined
  if (source.clientConfig === undefined || typeof source.clientConfig !== 'object') return undefined
  return createStoreClient(source.clientConfig, { connectionTimeoutMs: source.connectionTimeoutMs, requestTimeoutMs })
}
