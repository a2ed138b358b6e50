import { randomBytes } from 'node:crypto'
import type { SessionRecord, SessionStore } from '@lambda-session/core'

/** What every group of session store tests is given. */
export interface SessionStoreSuite {
  /** The store under test (valid inside tests). */
  store: () => SessionStore
  /** The current time for records' timestamps. */
  now: () => number
  /** Parallel writes in the concurrency tests. */
  concurrency: number
  /** How long `destroyUserSessions` may take to see a session. */
  userIndexTimeoutMs: number
  /** Timeout of each test. */
  timeoutMs: number
}

/** A fresh id hash, shaped like the middlewares' (SHA-256, base64url). */
export function newIdHash(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * A valid record as the saver writes it: a version per key, live for an
 * hour, so a store with native TTL keeps it for the whole test.
 */
export function sessionRecord(now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const data = overrides.data ?? {}
  return {
    idHash: newIdHash(),
    data,
    versions: Object.fromEntries(Object.keys(data).map((key) => [key, 1])),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    ...overrides,
  }
}

/** Creates a record in the store and returns it. */
export async function createdRecord(suite: SessionStoreSuite, overrides: Partial<SessionRecord> = {}) {
  const record = sessionRecord(suite.now(), overrides)
  await suite.store().create(record)
  return record
}
