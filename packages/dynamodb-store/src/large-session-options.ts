import type { S3Client } from '@aws-sdk/client-s3'
import { ConfigurationError, DYNAMODB_MAX_ITEM_BYTES } from '@lambda-session/core'
import { PACKAGE_NAME } from './dynamodb-errors.js'

/**
 * The `largeSessions` option of `DynamoDBSessionStore`: where sessions too
 * large for a cheap DynamoDB item go. A session whose item would pass
 * `thresholdBytes` keeps its metadata (versions, timestamps, owner, TTL) in
 * the item and its `data` in one S3 object the item points to.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3'
 *
 * new DynamoDBSessionStore({
 *   client,
 *   tableName: 'UserSessions',
 *   largeSessions: { client: new S3Client({}), bucket: 'my-app-sessions' }, // > 100 KB goes to S3
 * })
 * ```
 */
export interface LargeSessionOptions {
  /** The S3 client, made once per container like the DynamoDB one. */
  client: S3Client
  /** The bucket the session objects go to (created by you, with a lifecycle rule on `prefix`: see the README). */
  bucket: string
  /**
   * Key prefix of every session object: `<prefix><id hash>/<write id>.json`.
   * @default 'sessions/'
   */
  prefix?: string
  /**
   * Sessions whose DynamoDB item would be larger than this (estimated like
   * DynamoDB counts, attribute names included) move their data to S3; an
   * S3 session moves back into the item when a write leaves it at half of
   * this or less. At most 300 KB (307200), so an item that grows by small
   * writes between two checks still stays under DynamoDB's 400 KB.
   * @default 102400 (100 KB: a strongly consistent read of it costs 25 RCUs)
   */
  thresholdBytes?: number
}

/** {@link LargeSessionOptions} checked, with defaults filled in. @internal */
export interface ResolvedLargeSessionOptions {
  client: S3Client
  bucket: string
  prefix: string
  thresholdBytes: number
}

/**
 * The defaults of {@link LargeSessionOptions}.
 *
 * @example
 * ```ts
 * largeSessions: { client, bucket, thresholdBytes: largeSessionDefaults.thresholdBytes / 2 }
 * ```
 */
export const largeSessionDefaults = {
  prefix: 'sessions/',
  thresholdBytes: 100 * 1024,
  /** The largest `thresholdBytes` accepted. */
  maxThresholdBytes: 300 * 1024,
} as const

/**
 * Checks the option (a `ConfigurationError` when the store is created) and
 * fills in the defaults.
 *
 * @internal
 * @example
 * ```ts
 * const resolved = resolveLargeSessionOptions({ client: s3, bucket: 'sessions' })
 * ```
 */
export function resolveLargeSessionOptions(options: LargeSessionOptions): ResolvedLargeSessionOptions {
  const fail = (message: string) => new ConfigurationError(`largeSessions: ${message}`, { package: PACKAGE_NAME })
  if (typeof options !== 'object' || options === null) throw fail('pass { client: new S3Client({}), bucket }.')
  if (typeof options.client?.send !== 'function') throw fail('`client` must be an S3Client from @aws-sdk/client-s3.')
  if (typeof options.bucket !== 'string' || options.bucket.length === 0) {
    throw fail('`bucket` must name the S3 bucket for large sessions.')
  }
  const prefix = options.prefix ?? largeSessionDefaults.prefix
  if (typeof prefix !== 'string') throw fail('`prefix` must be a string such as "sessions/".')
  const thresholdBytes = options.thresholdBytes ?? largeSessionDefaults.thresholdBytes
  if (
    !Number.isSafeInteger(thresholdBytes) ||
    thresholdBytes < 1 ||
    thresholdBytes > largeSessionDefaults.maxThresholdBytes
  ) {
    throw fail(
      `\`thresholdBytes\` must be a whole number from 1 to ${largeSessionDefaults.maxThresholdBytes} ` +
        `(DynamoDB items end at ${DYNAMODB_MAX_ITEM_BYTES}), got ${String(thresholdBytes)}.`,
    )
  }
  return { client: options.client, bucket: options.bucket, prefix, thresholdBytes }
}
