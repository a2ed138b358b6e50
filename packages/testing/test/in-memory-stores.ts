import {
  type AcquireResult,
  type IdempotencyRecord,
  IdempotencyStatus,
  type IdempotencyStore,
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
} from '@lambda-session/core'

const options = { package: 'in-memory-store' }

/** Yields to the event loop like a network round trip, so concurrent calls really interleave. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * The smallest correct `SessionStore`: what the conformance suite is checked
 * against besides DynamoDB, so it asks only for the contract, not for one
 * database's behaviour. Each method does its checks and writes after one
 * simulated round trip, atomically, as a database's conditional write does.
 */
export class InMemorySessionStore implements SessionStore {
  readonly #records = new Map<string, SessionRecord>()

  async load(idHash: string): Promise<SessionRecord | undefined> {
    await roundTrip()
    const record = this.#records.get(idHash)
    return record && structuredClone(record)
  }

  async create(record: SessionRecord): Promise<void> {
    await roundTrip()
    if (this.#records.has(record.idHash)) throw new SessionConflictError([], options)
    this.#records.set(record.idHash, structuredClone(record))
  }

  async update(idHash: string, update: SessionUpdate): Promise<void> {
    await roundTrip()
    const record = this.#records.get(idHash)
    if (!record) throw new SessionGoneError(options)
    const conflicts = update.changes.filter(
      (change) =>
        (change.kind === 'set' || change.kind === 'delete') &&
        (record.versions[change.key] ?? 0) !== change.expectedVersion,
    )
    if (conflicts.length > 0)
      throw new SessionConflictError(
        conflicts.map((change) => change.key),
        options,
      )
    const next = structuredClone(record)
    for (const change of update.changes) {
      if (change.kind === 'set') next.data[change.key] = structuredClone(change.value)
      else if (change.kind === 'delete') delete next.data[change.key]
      else if (change.kind === 'increment') next.data[change.key] = ((next.data[change.key] as number) ?? 0) + change.by
      else next.data[change.key] = [...((next.data[change.key] as unknown[]) ?? []), ...structuredClone(change.values)]
      next.versions[change.key] = (next.versions[change.key] ?? 0) + 1 // kept after a delete: the tombstone
    }
    if (update.touch) Object.assign(next, update.touch)
    if (update.userId === null) delete next.userId
    else if (update.userId !== undefined) next.userId = update.userId
    this.#records.set(idHash, next)
  }

  async replace(oldIdHash: string, record: SessionRecord): Promise<void> {
    await roundTrip()
    if (!this.#records.has(oldIdHash)) throw new SessionGoneError(options)
    if (this.#records.has(record.idHash)) throw new SessionConflictError([], options)
    this.#records.delete(oldIdHash)
    this.#records.set(record.idHash, structuredClone(record))
  }

  async destroy(idHash: string): Promise<void> {
    await roundTrip()
    this.#records.delete(idHash)
  }

  async destroyUserSessions(userId: string): Promise<number> {
    await roundTrip()
    let deleted = 0
    for (const [idHash, record] of this.#records) {
      if (record.userId === userId && this.#records.delete(idHash)) deleted++
    }
    return deleted
  }
}

/** The smallest correct `IdempotencyStore`, for the same reason. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly #records = new Map<string, IdempotencyRecord>()

  async acquire(record: IdempotencyRecord, now: number): Promise<AcquireResult> {
    await roundTrip()
    const existing = this.#records.get(record.keyHash)
    const live =
      existing &&
      existing.expiresAt >= now &&
      (existing.status === IdempotencyStatus.Completed || existing.lockExpiresAt >= now)
    if (live) return { acquired: false, existing: structuredClone(existing) }
    this.#records.set(record.keyHash, structuredClone(record))
    return { acquired: true }
  }

  async complete(keyHash: string, lockToken: string, response: string, expiresAt: number): Promise<boolean> {
    await roundTrip()
    const record = this.#records.get(keyHash)
    if (record?.lockToken !== lockToken || record.status !== IdempotencyStatus.InProgress) return false
    this.#records.set(keyHash, { ...record, status: IdempotencyStatus.Completed, response, expiresAt })
    return true
  }

  async release(keyHash: string, lockToken: string): Promise<boolean> {
    await roundTrip()
    const record = this.#records.get(keyHash)
    if (record?.lockToken !== lockToken || record.status !== IdempotencyStatus.InProgress) return false
    return this.#records.delete(keyHash)
  }
}
