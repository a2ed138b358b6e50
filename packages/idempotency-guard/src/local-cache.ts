import type { IdempotencyRecord } from '@lambda-session/core'

/**
 * A small LRU of completed records, per Lambda execution environment: a
 * replay that hits it costs no round trip. Bounded by entries and by age,
 * and never holds in-progress records (those must be read from the store).
 */
export class LocalRecordCache {
  readonly #entries = new Map<string, { record: IdempotencyRecord; cachedUntil: number }>()
  readonly #maxEntries: number
  readonly #ttlMs: number

  constructor(maxEntries: number, ttlMs: number) {
    this.#maxEntries = maxEntries
    this.#ttlMs = ttlMs
  }

  get(keyHash: string, now: number): IdempotencyRecord | undefined {
    const entry = this.#entries.get(keyHash)
    if (!entry) return undefined
    this.#entries.delete(keyHash)
    if (entry.cachedUntil <= now || entry.record.expiresAt <= now) return undefined
    this.#entries.set(keyHash, entry) // most recently used goes last
    return entry.record
  }

  set(record: IdempotencyRecord, now: number): void {
    this.#entries.delete(record.keyHash)
    this.#entries.set(record.keyHash, { record, cachedUntil: Math.min(now + this.#ttlMs, record.expiresAt) })
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
  }

  delete(keyHash: string): void {
    this.#entries.delete(keyHash)
  }

  get size(): number {
    return this.#entries.size
  }
}
