import {
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
} from '@lambda-session/core'

const errorOptions = { package: '@lambda-session/bench' }

/**
 * A `SessionStore` in a `Map`, for measuring what the middlewares cost
 * without a database. It keeps the contract's semantics (version guards,
 * no resurrection, atomic increment/append) so the chain runs the same code
 * paths as on DynamoDB. Records are never mutated in place, only replaced,
 * so `load` can hand out the stored object without a defensive copy: the
 * `Session` clones the data it exposes anyway.
 */
export class InMemorySessionStore implements SessionStore {
  readonly #records = new Map<string, SessionRecord>()

  async load(idHash: string): Promise<SessionRecord | undefined> {
    return this.#records.get(idHash)
  }

  async create(record: SessionRecord): Promise<void> {
    if (this.#records.has(record.idHash)) throw new SessionConflictError([], errorOptions)
    this.#records.set(record.idHash, record)
  }

  async update(idHash: string, update: SessionUpdate): Promise<void> {
    const current = this.#records.get(idHash)
    if (!current) throw new SessionGoneError(errorOptions)
    const conflicts = update.changes
      .filter((change) => change.kind === 'set' || change.kind === 'delete')
      .filter((change) => (current.versions[change.key] ?? 0) !== change.expectedVersion)
      .map((change) => change.key)
    if (conflicts.length > 0) throw new SessionConflictError(conflicts, errorOptions)

    const data = { ...current.data }
    const versions = { ...current.versions }
    for (const change of update.changes) {
      if (change.kind === 'set') data[change.key] = change.value
      else if (change.kind === 'delete') delete data[change.key]
      else if (change.kind === 'increment')
        data[change.key] = ((data[change.key] as number | undefined) ?? 0) + change.by
      else data[change.key] = [...((data[change.key] as unknown[] | undefined) ?? []), ...change.values]
      versions[change.key] = (versions[change.key] ?? 0) + 1
    }
    const next: SessionRecord = { ...current, data, versions, ...update.touch }
    if (update.userId === null) delete next.userId
    else if (update.userId !== undefined) next.userId = update.userId
    this.#records.set(idHash, next)
  }

  async replace(oldIdHash: string, record: SessionRecord): Promise<void> {
    if (!this.#records.has(oldIdHash)) throw new SessionGoneError(errorOptions)
    if (this.#records.has(record.idHash)) throw new SessionConflictError([], errorOptions)
    this.#records.delete(oldIdHash)
    this.#records.set(record.idHash, record)
  }

  async destroy(idHash: string): Promise<void> {
    this.#records.delete(idHash)
  }

  async destroyUserSessions(userId: string): Promise<number> {
    let deleted = 0
    for (const [idHash, record] of this.#records) {
      if (record.userId !== userId) continue
      this.#records.delete(idHash)
      deleted++
    }
    return deleted
  }
}
