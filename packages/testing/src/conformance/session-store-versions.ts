import {
  type KeyChange,
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionUpdate,
} from '@lambda-session/core'
import { rejectionOf } from './conformance-store.js'
import { jestApi } from './jest-api.js'
import { createdRecord, newIdHash, type SessionStoreSuite, sessionRecord } from './session-store-suite.js'

/** Every kind of update a late request may send to a session that has ended. */
const LATE_UPDATES: Array<[string, (now: number) => SessionUpdate]> = [
  ['a set', () => ({ changes: [{ kind: 'set', key: 'a', value: 'late', expectedVersion: 1 }] })],
  ['a delete', () => ({ changes: [{ kind: 'delete', key: 'a', expectedVersion: 1 }] })],
  ['an increment', () => ({ changes: [{ kind: 'increment', key: 'n', by: 1 }] })],
  ['an append', () => ({ changes: [{ kind: 'append', key: 'l', values: ['late'] }] })],
  ['a touch alone', (now) => ({ changes: [], touch: { lastSeenAt: now, expiresAt: now + 60_000 } })],
  ['a new owner alone', () => ({ changes: [], userId: 'late-owner' })],
]

/** Conflicts (per-key versions, tombstones) and the no-resurrection rule. */
export function registerSessionVersionTests(suite: SessionStoreSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs } = suite
  const store = () => suite.store()

  /** Expects `update` to fail with a SessionConflictError naming exactly `keys`. */
  async function expectConflict(idHash: string, changes: KeyChange[], keys: string[]): Promise<void> {
    const error = await rejectionOf(store().update(idHash, { changes }))
    expect(error).toBeInstanceOf(SessionConflictError)
    expect((error as SessionConflictError).keys).toEqual(keys)
    expect((error as SessionConflictError).statusCode).toBe(409)
  }

  describe('same-key conflicts', () => {
    test(
      'a stale set fails with SessionConflictError naming only the moved key, and nothing of the update lands',
      async () => {
        const record = await createdRecord(suite, { data: { a: 'old', b: 'old' } })
        await store().update(record.idHash, {
          changes: [{ kind: 'set', key: 'a', value: 'first', expectedVersion: 1 }],
        })
        await expectConflict(
          record.idHash,
          [
            { kind: 'set', key: 'a', value: 'second', expectedVersion: 1 },
            { kind: 'set', key: 'b', value: 'second', expectedVersion: 1 },
            { kind: 'increment', key: 'n', by: 1 },
          ],
          ['a'],
        )
        expect((await store().load(record.idHash))?.data).toEqual({ a: 'first', b: 'old' })
      },
      timeoutMs,
    )

    test(
      'a stale delete fails with SessionConflictError and the value stays',
      async () => {
        const record = await createdRecord(suite, { data: { a: 'old' } })
        await store().update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 'new', expectedVersion: 1 }] })
        await expectConflict(record.idHash, [{ kind: 'delete', key: 'a', expectedVersion: 1 }], ['a'])
        expect((await store().load(record.idHash))?.data).toEqual({ a: 'new' })
      },
      timeoutMs,
    )

    test(
      'a set that expects a new key (version 0) conflicts when the key exists: no blind overwrite',
      async () => {
        const record = await createdRecord(suite, { data: { a: 'there' } })
        await expectConflict(record.idHash, [{ kind: 'set', key: 'a', value: 'blind', expectedVersion: 0 }], ['a'])
        expect((await store().load(record.idHash))?.data).toEqual({ a: 'there' })
      },
      timeoutMs,
    )

    test(
      'delete leaves a tombstone: a set that read the key before the delete conflicts; one that read after succeeds',
      async () => {
        const record = await createdRecord(suite, { data: { a: 'v' } })
        await store().update(record.idHash, { changes: [{ kind: 'delete', key: 'a', expectedVersion: 1 }] })
        const afterDelete = (await store().load(record.idHash)) as SessionRecord
        expect(afterDelete.data).toEqual({})
        for (const expectedVersion of [0, 1]) {
          await expectConflict(record.idHash, [{ kind: 'set', key: 'a', value: 'stale', expectedVersion }], ['a'])
        }
        expect((await store().load(record.idHash))?.data).toEqual({})
        const expectedVersion = afterDelete.versions.a ?? 0
        await store().update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 'fresh', expectedVersion }] })
        expect((await store().load(record.idHash))?.data).toEqual({ a: 'fresh' })
      },
      timeoutMs,
    )

    test.each<[string, KeyChange, unknown]>([
      ['an increment', { kind: 'increment', key: 'n', by: 1 }, 2],
      ['an append', { kind: 'append', key: 'n', values: [2] }, [1, 2]],
    ])(
      '%s moves the version: a set that read before it conflicts instead of erasing it',
      async (_label, change, expected) => {
        const record = await createdRecord(suite, { data: { n: change.kind === 'append' ? [1] : 1 } })
        await store().update(record.idHash, { changes: [change] })
        await expectConflict(record.idHash, [{ kind: 'set', key: 'n', value: 100, expectedVersion: 1 }], ['n'])
        expect((await store().load(record.idHash))?.data.n).toEqual(expected)
      },
      timeoutMs,
    )

    test(
      'a change to one key never conflicts with a change to another key made since the load',
      async () => {
        const record = await createdRecord(suite, { data: { a: 1, b: 1 } })
        await store().update(record.idHash, { changes: [{ kind: 'set', key: 'a', value: 2, expectedVersion: 1 }] })
        await store().update(record.idHash, { changes: [{ kind: 'set', key: 'b', value: 2, expectedVersion: 1 }] })
        await store().update(record.idHash, { changes: [{ kind: 'delete', key: 'b', expectedVersion: 2 }] })
        expect((await store().load(record.idHash))?.data).toEqual({ a: 2 })
      },
      timeoutMs,
    )
  })

  describe('an ended session is never resurrected', () => {
    test.each(LATE_UPDATES)(
      '%s after destroy fails with SessionGoneError and writes nothing',
      async (_label, late) => {
        const record = await createdRecord(suite, { data: { a: 'v', n: 1, l: [] } })
        await store().destroy(record.idHash)
        expect(await rejectionOf(store().update(record.idHash, late(suite.now())))).toBeInstanceOf(SessionGoneError)
        expect(await store().load(record.idHash)).toBeUndefined()
      },
      timeoutMs,
    )

    test(
      'an update of an id hash that never existed fails with SessionGoneError and creates nothing',
      async () => {
        const idHash = newIdHash()
        const update: SessionUpdate = { changes: [{ kind: 'increment', key: 'n', by: 1 }] }
        expect(await rejectionOf(store().update(idHash, update))).toBeInstanceOf(SessionGoneError)
        expect(await store().load(idHash)).toBeUndefined()
      },
      timeoutMs,
    )

    test(
      'an update of the old id hash after replace fails with SessionGoneError; the new session is untouched',
      async () => {
        const old = await createdRecord(suite, { data: { a: 'v' } })
        const next = sessionRecord(suite.now(), { data: { a: 'v' }, versions: { a: 2 } })
        await store().replace(old.idHash, next)
        const update: SessionUpdate = { changes: [{ kind: 'append', key: 'l', values: ['late'] }] }
        expect(await rejectionOf(store().update(old.idHash, update))).toBeInstanceOf(SessionGoneError)
        expect(await store().load(old.idHash)).toBeUndefined()
        expect(await store().load(next.idHash)).toEqual(next)
      },
      timeoutMs,
    )

    test(
      'replace of a session that is gone fails with SessionGoneError and writes nothing',
      async () => {
        const old = await createdRecord(suite)
        await store().destroy(old.idHash)
        const next = sessionRecord(suite.now(), { data: { a: 1 } })
        expect(await rejectionOf(store().replace(old.idHash, next))).toBeInstanceOf(SessionGoneError)
        expect(await store().load(next.idHash)).toBeUndefined()
      },
      timeoutMs,
    )
  })
}
