import { randomBytes, randomUUID } from 'node:crypto'
import {
  type IdempotencyRecord,
  IdempotencyStatus,
  type IdempotencyStore,
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionStore,
  type SessionWrite,
} from '@lambda-session/core'
import { inProgressIdempotencyRecord } from '../idempotency-records.js'
import {
  type ConformanceStoreFactory,
  DEFAULT_CONFORMANCE_TIMEOUT_MS,
  rejectionOf,
  useConformanceStore,
} from './conformance-store.js'
import { jestApi } from './jest-api.js'

/** The two stores a joint commit spans. */
export interface JointCommitStores {
  /** Implements `completeWithSessionWrite`. */
  idempotency: IdempotencyStore
  /** A session store it can join. */
  sessions: SessionStore
}

/**
 * Options of {@link describeJointCommitConformance}.
 *
 * @example
 * ```ts
 * const options: JointCommitConformanceOptions = { createStores: async () => ({ store: { idempotency, sessions } }) }
 * ```
 */
export interface JointCommitConformanceOptions {
  /** Makes both stores once, in the suite's `beforeAll`; `cleanup` runs in its `afterAll`. */
  createStores: ConformanceStoreFactory<JointCommitStores>
  /** Where each test's logical time starts; records live a day from it. @default Date.now */
  clock?: () => number
  /** Timeout of each test. @default 30000 */
  testTimeoutMs?: number
}

const DAY_MS = 86_400_000
const RESPONSE = JSON.stringify({ statusCode: 201, body: 'ordered' })

function sessionRecord(now: number, data: Record<string, unknown>): SessionRecord {
  const versions = Object.fromEntries(Object.keys(data).map((key) => [key, 1]))
  return {
    idHash: randomBytes(32).toString('base64url'),
    data,
    versions,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + DAY_MS,
  }
}

const appendOrder = (idHash: string, order: string): SessionWrite => ({
  kind: 'update',
  idHash,
  update: { changes: [{ kind: 'append', key: 'orders', values: [order] }] },
})

/**
 * Registers the tests of `IdempotencyStore.completeWithSessionWrite` for a
 * pair of stores that implement it: the session write and the completion
 * land together or not at all, a repeat never applies the write twice, a
 * lost lock writes nothing, and a failed session condition is the session
 * store's own error with nothing written. (That a store answers `undefined`
 * for a session store it can't join is store-specific: test it beside.)
 *
 * @example
 * ```ts
 * describeJointCommitConformance('DynamoDB stores on one client', {
 *   createStores: async () => ({ store: { idempotency, sessions } }),
 * })
 * ```
 */
export function describeJointCommitConformance(name: string, options: JointCommitConformanceOptions): void {
  const { describe, test, expect } = jestApi()
  const clock = options.clock ?? Date.now
  const timeout = options.testTimeoutMs ?? DEFAULT_CONFORMANCE_TIMEOUT_MS

  describe(`${name}: completeWithSessionWrite (joint commit conformance)`, () => {
    const stores = useConformanceStore(options.createStores)

    /** A stored session with an empty `orders` list and a held lock, as the guard has them when the handler returns. */
    async function sessionAndLock() {
      const { idempotency, sessions } = stores()
      if (typeof idempotency.completeWithSessionWrite !== 'function') {
        throw new Error('The idempotency store has no completeWithSessionWrite: this suite is for stores that do.')
      }
      const now = clock()
      const session = sessionRecord(now, { orders: [] })
      await sessions.create(session)
      // A UUID token, as the guard mints it: the DynamoDB store uses it as the ClientRequestToken.
      const lock = inProgressIdempotencyRecord(now, { lockToken: randomUUID() })
      expect(await idempotency.acquire(lock, now)).toEqual({ acquired: true })
      const commit = (write: SessionWrite) =>
        idempotency.completeWithSessionWrite?.(lock.keyHash, lock.lockToken, RESPONSE, now + DAY_MS, sessions, write)
      return { idHash: session.idHash, lock, now, commit }
    }

    /** The record's status, read the way the guard meets it: a rival acquire that loses to it. */
    async function statusOf(lock: IdempotencyRecord, now: number) {
      const rival = { ...lock, lockToken: randomUUID() }
      const result = await stores().idempotency.acquire(rival, now)
      return result.acquired ? 'free' : result.existing.status
    }

    const ordersOf = async (idHash: string) => (await stores().sessions.load(idHash))?.data.orders

    test(
      'writes the session change and completes the record together',
      async () => {
        const { idHash, lock, now, commit } = await sessionAndLock()
        expect(await commit(appendOrder(idHash, 'o-1'))).toBe(true)
        expect(await ordersOf(idHash)).toEqual(['o-1'])
        expect(await statusOf(lock, now)).toBe(IdempotencyStatus.Completed)
      },
      timeout,
    )

    test(
      'the same commit sent twice (a resend after a lost answer) answers true and applies the change once',
      async () => {
        const { idHash, commit } = await sessionAndLock()
        const write = appendOrder(idHash, 'o-2')
        expect(await commit(write)).toBe(true)
        expect(await commit(write)).toBe(true)
        expect(await ordersOf(idHash)).toEqual(['o-2'])
      },
      timeout,
    )

    test(
      'a lost lock writes nothing: false, and the session is untouched',
      async () => {
        const { idHash, lock, commit } = await sessionAndLock()
        await stores().idempotency.release(lock.keyHash, lock.lockToken) // the watchdog gave up, or the lock lapsed
        expect(await commit(appendOrder(idHash, 'o-3'))).toBe(false)
        expect(await ordersOf(idHash)).toEqual([])
      },
      timeout,
    )

    test(
      'a same-key conflict is the session store’s SessionConflictError, and the record stays in progress',
      async () => {
        const { idHash, lock, now, commit } = await sessionAndLock()
        const stale: SessionWrite = {
          kind: 'update',
          idHash,
          update: { changes: [{ kind: 'set', key: 'orders', value: ['mine'], expectedVersion: 0 }] },
        }
        const error = await rejectionOf(commit(stale) as Promise<unknown>)
        expect(error).toBeInstanceOf(SessionConflictError)
        expect((error as SessionConflictError).keys).toEqual(['orders'])
        expect(await ordersOf(idHash)).toEqual([])
        expect(await statusOf(lock, now)).toBe(IdempotencyStatus.InProgress)
      },
      timeout,
    )

    test(
      'a session destroyed meanwhile is SessionGoneError, and it is not brought back',
      async () => {
        const { idHash, lock, now, commit } = await sessionAndLock()
        await stores().sessions.destroy(idHash)
        expect(await rejectionOf(commit(appendOrder(idHash, 'o-4')) as Promise<unknown>)).toBeInstanceOf(
          SessionGoneError,
        )
        expect(await stores().sessions.load(idHash)).toBeUndefined()
        expect(await statusOf(lock, now)).toBe(IdempotencyStatus.InProgress)
      },
      timeout,
    )

    test(
      'a regeneration (the new session created, the old one retired) joins the commit',
      async () => {
        const { idHash, now, commit } = await sessionAndLock()
        const fresh = sessionRecord(now, { user: 'u-1' })
        expect(await commit({ kind: 'replace', oldIdHash: idHash, record: fresh })).toBe(true)
        expect(await stores().sessions.load(idHash)).toBeUndefined()
        expect((await stores().sessions.load(fresh.idHash))?.data).toEqual({ user: 'u-1' })
      },
      timeout,
    )

    test(
      'a new session and an ended one join too',
      async () => {
        const first = await sessionAndLock()
        const created = sessionRecord(first.now, { cart: ['mug'] })
        expect(await first.commit({ kind: 'create', record: created })).toBe(true)
        expect((await stores().sessions.load(created.idHash))?.data).toEqual({ cart: ['mug'] })
        const second = await sessionAndLock()
        expect(await second.commit({ kind: 'destroy', idHash: second.idHash })).toBe(true)
        expect(await stores().sessions.load(second.idHash)).toBeUndefined()
      },
      timeout,
    )
  })
}
