import {
  type AcquireResult,
  type IdempotencyRecord,
  IdempotencyStatus,
  type IdempotencyStore,
} from '@lambda-session/core'

/**
 * An `IdempotencyStore` in a `Map`, for measuring what the guard costs
 * without a database. Same conditions as `DynamoDBIdempotencyStore`: a live
 * record refuses `acquire` and comes back with the refusal; `complete` and
 * `release` need the lock token.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly #records = new Map<string, IdempotencyRecord>()

  /** How many records are kept: the CPU benchmark clears them between runs so memory stays flat. */
  get size(): number {
    return this.#records.size
  }

  clear(): void {
    this.#records.clear()
  }

  async acquire(record: IdempotencyRecord, now: number): Promise<AcquireResult> {
    const existing = this.#records.get(record.keyHash)
    const free =
      !existing ||
      existing.expiresAt < now ||
      (existing.status === IdempotencyStatus.InProgress && existing.lockExpiresAt < now)
    if (!free) return { acquired: false, existing }
    this.#records.set(record.keyHash, record)
    return { acquired: true }
  }

  async complete(keyHash: string, lockToken: string, response: string, expiresAt: number): Promise<boolean> {
    const current = this.#owned(keyHash, lockToken)
    if (!current) return false
    this.#records.set(keyHash, { ...current, status: IdempotencyStatus.Completed, response, expiresAt })
    return true
  }

  async release(keyHash: string, lockToken: string): Promise<boolean> {
    if (!this.#owned(keyHash, lockToken)) return false
    this.#records.delete(keyHash)
    return true
  }

  #owned(keyHash: string, lockToken: string): IdempotencyRecord | undefined {
    const current = this.#records.get(keyHash)
    return current?.lockToken === lockToken && current.status === IdempotencyStatus.InProgress ? current : undefined
  }
}
