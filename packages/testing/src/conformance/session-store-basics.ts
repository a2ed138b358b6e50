import type { SessionRecord } from '@lambda-session/core'
import { jestApi } from './jest-api.js'
import { createdRecord, newIdHash, type SessionStoreSuite, sessionRecord } from './session-store-suite.js'

/** JSON values of every kind, and keys that look like syntax in some database. */
const AWKWARD_DATA = {
  text: 'plain',
  empty: '',
  unicode: 'ümlaut 🍪 漢字',
  int: 42,
  negative: -7,
  fraction: 2.5,
  zero: 0,
  largest: Number.MAX_SAFE_INTEGER,
  yes: true,
  no: false,
  nothing: null,
  list: [1, 'two', null, false, { nested: ['deep'] }],
  emptyList: [],
  map: { a: { b: { c: 1 } } },
  emptyMap: {},
  'a.b': 'dotted',
  'a[0]': 'indexed',
  '#name': 'placeholder-like',
  ':value': 'placeholder-like',
  'SET x = y': 'expression-like',
  'with space': 'spaced',
  '*': 'glob',
  data: 'a key named like an attribute',
  [`k${'x'.repeat(254)}`]: 'the longest key a session accepts',
} as const

/** load, create, update, touch, userId, replace and destroy, one caller at a time. */
export function registerSessionRecordTests(suite: SessionStoreSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs } = suite
  const store = () => suite.store()

  describe('load and create', () => {
    test(
      'load of an unknown id hash is undefined',
      async () => {
        expect(await store().load(newIdHash())).toBeUndefined()
      },
      timeoutMs,
    )

    test(
      'create then load gives the record back exactly: every JSON value, any key, the owner',
      async () => {
        const record = await createdRecord(suite, { data: structuredClone(AWKWARD_DATA) as never, userId: 'user-1' })
        expect(await store().load(record.idHash)).toEqual(record)
      },
      timeoutMs,
    )

    test(
      'a record without data or owner loads without them',
      async () => {
        const record = await createdRecord(suite)
        const loaded = await store().load(record.idHash)
        expect(loaded).toEqual(record)
        expect(loaded?.userId).toBeUndefined()
      },
      timeoutMs,
    )

    test(
      'create never overwrites an existing session',
      async () => {
        const record = await createdRecord(suite, { data: { owner: 'first' } })
        await expect(store().create({ ...record, data: { owner: 'second' }, userId: 'intruder' })).rejects.toBeDefined()
        expect(await store().load(record.idHash)).toEqual(record)
      },
      timeoutMs,
    )
  })

  describe('update', () => {
    test(
      'set, delete, increment and append apply in one update; untouched keys and fields stay',
      async () => {
        const record = await createdRecord(suite, {
          data: { keep: 'me', gone: 'x', n: 1, list: ['a'] },
          userId: 'owner',
        })
        await store().update(record.idHash, {
          changes: [
            { kind: 'set', key: 'fresh', value: { deep: [1, { two: 2 }] }, expectedVersion: 0 },
            { kind: 'delete', key: 'gone', expectedVersion: 1 },
            { kind: 'increment', key: 'n', by: 2 },
            { kind: 'append', key: 'list', values: ['b', { c: true }] },
          ],
        })
        const loaded = (await store().load(record.idHash)) as SessionRecord
        expect(loaded.data).toEqual({
          keep: 'me',
          fresh: { deep: [1, { two: 2 }] },
          n: 3,
          list: ['a', 'b', { c: true }],
        })
        expect(loaded).toMatchObject({
          createdAt: record.createdAt,
          lastSeenAt: record.lastSeenAt,
          expiresAt: record.expiresAt,
          userId: 'owner',
        })
        expect(loaded.versions.keep).toBe(record.versions.keep)
        for (const key of ['fresh', 'gone', 'n', 'list']) expect(loaded.versions[key]).not.toBe(record.versions[key])
      },
      timeoutMs,
    )

    test(
      'increment counts a missing key as 0 and takes negative and fractional amounts',
      async () => {
        const record = await createdRecord(suite)
        await store().update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: 5 }] })
        await store().update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by: -2.5 }] })
        expect((await store().load(record.idHash))?.data.n).toBe(2.5)
      },
      timeoutMs,
    )

    test(
      'append counts a missing key as an empty list and keeps the order of its values',
      async () => {
        const record = await createdRecord(suite)
        await store().update(record.idHash, { changes: [{ kind: 'append', key: 'l', values: [1, null, 'x'] }] })
        await store().update(record.idHash, { changes: [{ kind: 'append', key: 'l', values: [[2], { y: 3 }] }] })
        expect((await store().load(record.idHash))?.data.l).toEqual([1, null, 'x', [2], { y: 3 }])
      },
      timeoutMs,
    )

    test(
      'a set with the version read by the latest load succeeds, again and again',
      async () => {
        const record = await createdRecord(suite, { data: { a: 0 } })
        for (let value = 1; value <= 3; value++) {
          const loaded = (await store().load(record.idHash)) as SessionRecord
          await store().update(record.idHash, {
            changes: [{ kind: 'set', key: 'a', value, expectedVersion: loaded.versions.a ?? 0 }],
          })
        }
        expect((await store().load(record.idHash))?.data.a).toBe(3)
      },
      timeoutMs,
    )

    test(
      'touch moves lastSeenAt and expiresAt and nothing else',
      async () => {
        const record = await createdRecord(suite, { data: { a: 1 }, userId: 'owner' })
        const touch = { lastSeenAt: record.lastSeenAt + 60_000, expiresAt: record.expiresAt + 60_000 }
        await store().update(record.idHash, { changes: [], touch })
        expect(await store().load(record.idHash)).toEqual({ ...record, ...touch })
      },
      timeoutMs,
    )

    test(
      'userId: a string sets it, undefined leaves it, null removes it',
      async () => {
        const record = await createdRecord(suite, { data: { a: 1 } })
        await store().update(record.idHash, { changes: [], userId: 'user-2' })
        expect(await store().load(record.idHash)).toEqual({ ...record, userId: 'user-2' })
        await store().update(record.idHash, { changes: [{ kind: 'increment', key: 'b', by: 1 }] })
        expect((await store().load(record.idHash))?.userId).toBe('user-2')
        await store().update(record.idHash, { changes: [], userId: null })
        const loaded = await store().load(record.idHash)
        expect(loaded?.userId).toBeUndefined()
        expect(loaded?.data).toEqual({ a: 1, b: 1 })
      },
      timeoutMs,
    )
  })

  describe('replace (regenerate)', () => {
    test(
      'writes the new record exactly and retires the old id hash',
      async () => {
        const old = await createdRecord(suite, { data: { cart: ['A1'] } })
        const next = sessionRecord(suite.now(), { data: { cart: ['A1'] }, versions: { cart: 2 }, userId: 'user-3' })
        await store().replace(old.idHash, next)
        expect(await store().load(old.idHash)).toBeUndefined()
        expect(await store().load(next.idHash)).toEqual(next)
      },
      timeoutMs,
    )
  })

  describe('destroy', () => {
    test(
      'deletes the session; destroying a missing one is not an error',
      async () => {
        const record = await createdRecord(suite, { data: { a: 1 } })
        await store().destroy(record.idHash)
        expect(await store().load(record.idHash)).toBeUndefined()
        await expect(store().destroy(record.idHash)).resolves.toBeUndefined()
        await expect(store().destroy(newIdHash())).resolves.toBeUndefined()
      },
      timeoutMs,
    )
  })
}
