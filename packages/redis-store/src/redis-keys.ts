/**
 * The key names the stores write, after the store's `keyPrefix`: one hash
 * per session, one set per user (the index `destroyUserSessions` reads), one
 * hash per idempotency record. Ids never appear: sessions are keyed by the
 * hash of their id and records by the hash of their scoped key.
 *
 * @example
 * ```ts
 * `${keyPrefix}${REDIS_KEY_SPACES.session}${idHash}` // 'ls:s:3q2…'
 * ```
 */
export const REDIS_KEY_SPACES = {
  /** `<prefix>s:<idHash>`: a session's hash. */
  session: 's:',
  /** `<prefix>u:<userId>`: the set of a user's session keys. */
  user: 'u:',
  /** `<prefix>i:<keyHash>`: an idempotency record's hash. */
  idempotency: 'i:',
} as const

/**
 * The key of a session's hash.
 *
 * @internal
 * @example
 * ```ts
 * sessionKey('ls:', idHash) // 'ls:s:<idHash>'
 * ```
 */
export function sessionKey(keyPrefix: string, idHash: string): string {
  return `${keyPrefix}${REDIS_KEY_SPACES.session}${idHash}`
}

/**
 * The key of a user's set of session keys.
 *
 * @internal
 * @example
 * ```ts
 * userSetKey('ls:', 'user-42') // 'ls:u:user-42'
 * ```
 */
export function userSetKey(keyPrefix: string, userId: string): string {
  return `${keyPrefix}${REDIS_KEY_SPACES.user}${userId}`
}

/**
 * The key of an idempotency record's hash.
 *
 * @internal
 * @example
 * ```ts
 * idempotencyRecordKey('ls:', keyHash) // 'ls:i:<keyHash>'
 * ```
 */
export function idempotencyRecordKey(keyPrefix: string, keyHash: string): string {
  return `${keyPrefix}${REDIS_KEY_SPACES.idempotency}${keyHash}`
}
