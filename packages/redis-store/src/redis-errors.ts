import { ConfigurationError, LambdaSessionError, StoreUnavailableError } from '@lambda-session/core'

/**
 * The package named in the `cause` of every error this package raises.
 *
 * @internal
 * @example
 * ```ts
 * new StoreUnavailableError('load', { package: PACKAGE_NAME, cause: error })
 * ```
 */
export const PACKAGE_NAME = '@lambda-session/redis-store'

/**
 * Error replies that mean "busy or failing over right now": a retry a moment
 * later can succeed. `READONLY` is a primary that became a replica in a
 * failover; `LOADING` a restarted node reading its data; `BUSY` another
 * script running too long; `OOM` memory full under `noeviction`.
 */
const UNAVAILABLE_REPLIES = /^(OOM|LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/

/** Error replies that mean the set-up is wrong: credentials, ACLs, cluster keys, a key of another type, an old server. */
const SETUP_REPLIES = /^(NOAUTH|WRONGPASS|NOPERM|CROSSSLOT|MOVED|ASK|WRONGTYPE)\b|^ERR unknown command/

function setupAdvice(message: string): string {
  if (/^(NOAUTH|WRONGPASS|NOPERM)/.test(message)) {
    return 'check the client credentials and that the ACL user may run EVAL, EVALSHA and HGETALL on the key prefix'
  }
  if (/^(CROSSSLOT|MOVED|ASK)/.test(message)) {
    return 'use a cluster client with a keyPrefix holding a hash tag, e.g. "{ls}:", or a cluster-mode-disabled endpoint'
  }
  if (message.startsWith('WRONGTYPE')) {
    return "another application's key uses this store's key prefix; give the store a keyPrefix of its own"
  }
  return 'the server lacks a command the stores use (they need Redis 5.0+ or Valkey 7.2+)'
}

/**
 * Whether the error is an answer of the server (an error reply) rather than
 * a transport failure. `ioredis` and `iovalkey` name theirs `ReplyError`.
 */
function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * Maps a client error to this project's typed errors:
 *
 * - no answer (connection refused or closed, `commandTimeout`, reconnection
 *   retries used up) and "busy or failing over" replies: `StoreUnavailableError` (503)
 * - wrong credentials or ACL, cluster key errors, a foreign key of another
 *   type, an unknown command: `ConfigurationError` (500)
 * - any other error reply: a 500 `LambdaSessionError`
 *
 * Messages name the operation, never keys, ids or data.
 *
 * @internal
 * @example
 * ```ts
 * try { await client.hgetall(key) } catch (error) { throw toRedisStoreError(error, 'load') }
 * ```
 */
export function toRedisStoreError(error: unknown, operation: string): Error {
  if (error instanceof LambdaSessionError || error instanceof TypeError) return error
  const options = { package: PACKAGE_NAME, cause: error }
  if (!isReplyError(error)) return new StoreUnavailableError(operation, options)
  const message = error.message
  if (UNAVAILABLE_REPLIES.test(message)) return new StoreUnavailableError(operation, options)
  if (SETUP_REPLIES.test(message)) {
    const code = message.split(' ', 1)[0]
    return new ConfigurationError(`Redis refused the store's ${operation} (${code}): ${setupAdvice(message)}.`, options)
  }
  return new LambdaSessionError(`Redis rejected the store's ${operation} (${message.split(' ', 1)[0]}).`, 500, options)
}
