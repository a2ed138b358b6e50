import { generateSessionId } from './session-id.js'
import type { KeyChange, SessionRecord } from './session-store.js'

/** Longest session key accepted. */
export const MAX_SESSION_KEY_LENGTH = 255

/**
 * Copies a value through JSON, so what a handler reads back after a reload is
 * exactly what it reads right after `set()` (a `Date` becomes its ISO string,
 * `undefined` members vanish). Throws on values JSON can't hold.
 */
function toJsonValue(key: string, value: unknown): unknown {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw new TypeError(`session.set('${key}'): the value can't be stored as JSON (${(error as Error).message}).`)
  }
  if (text === undefined) throw new TypeError(`session.set('${key}'): functions and symbols can't be stored.`)
  return JSON.parse(text)
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_SESSION_KEY_LENGTH) {
    throw new TypeError(`Session keys must be non-empty strings of at most ${MAX_SESSION_KEY_LENGTH} characters.`)
  }
}

/** How the session should be written back, decided by what the handler did. */
export interface SessionState {
  /** Hash-free id the session was loaded under, `undefined` for a new session. */
  readonly loadedId: string | undefined
  /** The loaded record, `undefined` for a new session. */
  readonly loaded: SessionRecord | undefined
  /** The live data (not a copy): read it, never change it. */
  readonly data: Readonly<Record<string, unknown>>
  /** Pending changes to loaded keys, one per key. */
  readonly changes: ReadonlyMap<string, KeyChange>
  /** Whether `userId` was assigned in this request. */
  readonly userIdChanged: boolean
  /** Whether `destroy()` was called (and not followed by `regenerate()`). */
  readonly destroyed: boolean
  /** Whether `regenerate()` followed `destroy()`: a fresh session, sharing nothing with the old one (not even its age). */
  readonly restarted: boolean
}

/**
 * A user's session as the handler sees it: `context.session`. Reads are
 * local; writes are recorded and saved by `session-saver` after the handler,
 * as one atomic update of only the changed keys.
 *
 * @example
 * ```ts
 * const cart = context.session.get<Item[]>('cart') ?? []
 * context.session.append('cart', { sku: 'A1', qty: 1 }) // never loses a concurrent add
 * context.session.increment('views')
 * ```
 */
export class Session {
  #id: string
  readonly #initialId: string
  #loadedId: string | undefined
  #loaded: SessionRecord | undefined
  #data: Record<string, unknown>
  #changes = new Map<string, KeyChange>()
  #userId: string | undefined
  #userIdChanged = false
  #destroyed = false
  #restarted = false

  /**
   * @param loadedId - the id from a verified cookie whose record was found, or `undefined` for a new session
   * @param record - that record, which the session takes over (its `data` becomes the session's)
   */
  constructor(loadedId?: string, record?: SessionRecord) {
    this.#loadedId = record ? loadedId : undefined
    this.#loaded = record
    this.#id = this.#loadedId ?? generateSessionId()
    this.#initialId = this.#id
    // A null-prototype map, so keys like `constructor` or `__proto__` are plain
    // keys; shallow, since the record is this request's own freshly read copy.
    this.#data = Object.assign(Object.create(null) as Record<string, unknown>, record?.data)
    this.#userId = record?.userId
  }

  /** The session id (the cookie's payload). Changes on `regenerate()`. Never log it. */
  get id(): string {
    return this.#id
  }

  /** True when no stored session was loaded for this request. */
  get isNew(): boolean {
    return this.#loaded === undefined
  }

  /** True when this request changed data, the user, the id or destroyed the session. */
  get isChanged(): boolean {
    return this.#changes.size > 0 || this.#userIdChanged || this.#destroyed || this.#id !== this.#initialId
  }

  /** When the session was first created (epoch ms); now for a new one. */
  get createdAt(): number | undefined {
    return this.#loaded?.createdAt
  }

  /** The user this session belongs to, if one was set (indexed, so all of a user's sessions can be revoked). */
  get userId(): string | undefined {
    return this.#userId
  }

  set userId(value: string | undefined) {
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new TypeError('session.userId must be a non-empty string or undefined.')
    }
    this.#userId = value
    this.#userIdChanged = true
  }

  /** The value stored under `key`, or `undefined`. */
  get<T = unknown>(key: string): T | undefined {
    return (Object.hasOwn(this.#data, key) ? this.#data[key] : undefined) as T | undefined
  }

  /** Whether `key` holds a value. */
  has(key: string): boolean {
    return Object.hasOwn(this.#data, key)
  }

  /** The keys that hold values. */
  keys(): string[] {
    return Object.keys(this.#data)
  }

  /** A copy of all session data. */
  toJSON(): Record<string, unknown> {
    return structuredClone(this.#data)
  }

  /**
   * Stores a JSON value under `key` (`undefined` deletes it). If another
   * request changes the same key first, saving fails with a 409
   * (`SessionConflictError`) rather than silently dropping either write.
   */
  set(key: string, value: unknown): this {
    checkKey(key)
    if (value === undefined) return this.delete(key)
    this.#data[key] = toJsonValue(key, value)
    this.#record({ kind: 'set', key, value: this.#data[key], expectedVersion: this.#loadedVersion(key) })
    return this
  }

  /** Removes `key`. */
  delete(key: string): this {
    checkKey(key)
    delete this.#data[key]
    this.#record({ kind: 'delete', key, expectedVersion: this.#loadedVersion(key) })
    return this
  }

  /**
   * Adds `by` to the number under `key` (missing counts as 0) as an atomic
   * store update: concurrent increments all apply. Returns this request's
   * view of the new value, which concurrent requests may have moved further.
   */
  increment(key: string, by = 1): number {
    checkKey(key)
    if (!Number.isFinite(by)) throw new TypeError(`session.increment('${key}'): the amount must be a finite number.`)
    const current = (Object.hasOwn(this.#data, key) ? this.#data[key] : undefined) ?? 0
    if (typeof current !== 'number') throw new TypeError(`session.increment('${key}'): the value is not a number.`)
    const next = current + by
    this.#data[key] = next
    const pending = this.#changes.get(key)
    if (pending?.kind === 'increment') pending.by += by
    else if (pending) this.#record({ kind: 'set', key, value: next, expectedVersion: this.#loadedVersion(key) })
    else this.#changes.set(key, { kind: 'increment', key, by })
    return next
  }

  /**
   * Appends values to the list under `key` (missing counts as empty) as an
   * atomic store update: concurrent appends all apply. Returns this request's
   * view of the list.
   */
  append(key: string, ...values: unknown[]): unknown[] {
    checkKey(key)
    const current = (Object.hasOwn(this.#data, key) ? this.#data[key] : undefined) ?? []
    if (!Array.isArray(current)) throw new TypeError(`session.append('${key}'): the value is not a list.`)
    const added = values.map((value) => toJsonValue(key, value ?? null))
    const next = [...current, ...added]
    this.#data[key] = next
    const pending = this.#changes.get(key)
    if (pending?.kind === 'append') pending.values.push(...added)
    else if (pending) this.#record({ kind: 'set', key, value: next, expectedVersion: this.#loadedVersion(key) })
    else this.#changes.set(key, { kind: 'append', key, values: added })
    return next
  }

  /**
   * Gives the session a new id and retires the old one, keeping the data.
   * Call it when privileges change (login) to defeat session fixation. After
   * `destroy()`, it starts a fresh, empty session instead.
   */
  regenerate(): this {
    this.#id = generateSessionId()
    if (this.#destroyed) this.#restarted = true
    this.#destroyed = false
    return this
  }

  /** Deletes the session and expires its cookie once the handler returns. */
  destroy(): this {
    this.#data = Object.create(null) as Record<string, unknown>
    this.#changes.clear()
    this.#userId = undefined
    this.#destroyed = true
    return this
  }

  /** @internal What `session-saver` needs to write the session back. */
  get state(): SessionState {
    return {
      data: this.#data,
      loadedId: this.#loadedId,
      loaded: this.#loaded,
      changes: this.#changes,
      userIdChanged: this.#userIdChanged,
      destroyed: this.#destroyed,
      restarted: this.#restarted,
    }
  }

  #loadedVersion(key: string): number {
    const versions = this.#loaded?.versions
    return versions && Object.hasOwn(versions, key) ? (versions[key] ?? 0) : 0
  }

  #record(change: KeyChange): void {
    this.#changes.set(change.key, change)
  }
}
