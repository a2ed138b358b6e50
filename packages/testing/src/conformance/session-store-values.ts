import type { SessionRecord } from '@lambda-session/core'
import { jestApi } from './jest-api.js'
import { createdRecord, type SessionStoreSuite, sessionRecord } from './session-store-suite.js'

/**
 * Levels of arrays and objects the DynamoDB store takes in a value (its
 * item limit is 32 levels, and the session's data map and the scalar at the
 * bottom take two): every store must take at least that much.
 */
const PORTABLE_NESTING = 30

/**
 * Past what every store is expected to take. A store may take it or refuse
 * it (the DynamoDB store refuses past 30 levels, the Redis store past 1000),
 * but only with a `TypeError` before anything of the write lands.
 */
const EXCESSIVE_NESTING = 1001

/** `depth` levels of arrays and objects, alternating, around a scalar. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf'
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { level: value }
  return value
}

/**
 * What `JSON.parse` builds from a request body such as
 * `{"__proto__": {"isAdmin": true}}`: own members named `__proto__` (and
 * `constructor`), which are data like any other member, at several depths.
 */
function protoMembers(): Record<string, unknown> {
  return JSON.parse(
    '{"__proto__":{"__proto__":[1,{"__proto__":null}],"isAdmin":true},"constructor":{"name":"c"},"plain":1}',
  )
}

/** Values with members named like `Object.prototype`'s, and values nested deep: kept exactly, or refused cleanly. */
export function registerSessionValueTests(suite: SessionStoreSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs } = suite
  const store = () => suite.store()

  /** A loaded value's `__proto__` member must be an own data member, not the object's prototype. */
  function expectOwnProtoMember(value: unknown): void {
    const object = value as Record<string, unknown>
    expect(Object.hasOwn(object, '__proto__')).toBe(true)
    // Had the member been assigned, it would be the prototype and `isAdmin` would read through it.
    expect((object as { isAdmin?: unknown }).isAdmin).toBeUndefined()
  }

  describe('values', () => {
    test(
      'members named __proto__ and constructor inside a value round-trip as ordinary members: create, set, append',
      async () => {
        const record = await createdRecord(suite, { data: { value: protoMembers() } })
        const loaded = (await store().load(record.idHash)) as SessionRecord
        expect(loaded.data).toEqual({ value: protoMembers() })
        expectOwnProtoMember(loaded.data.value)

        await store().update(record.idHash, {
          changes: [
            { kind: 'set', key: 'value', value: { wrapped: protoMembers() }, expectedVersion: 1 },
            { kind: 'append', key: 'list', values: [protoMembers(), protoMembers()] },
          ],
        })
        const updated = (await store().load(record.idHash)) as SessionRecord
        expect(updated.data).toEqual({ value: { wrapped: protoMembers() }, list: [protoMembers(), protoMembers()] })
        expectOwnProtoMember((updated.data.value as { wrapped: unknown }).wrapped)
        expectOwnProtoMember((updated.data.list as unknown[])[1])
      },
      timeoutMs,
    )

    test(
      `a value nested ${PORTABLE_NESTING} levels deep round-trips through create and set (an appended element ${PORTABLE_NESTING - 1})`,
      async () => {
        const record = await createdRecord(suite, { data: { deep: nested(PORTABLE_NESTING) } })
        expect((await store().load(record.idHash))?.data).toEqual({ deep: nested(PORTABLE_NESTING) })
        const changed = nested(PORTABLE_NESTING - 1)
        await store().update(record.idHash, {
          changes: [
            { kind: 'set', key: 'deep', value: [changed], expectedVersion: 1 },
            { kind: 'append', key: 'list', values: [changed] },
          ],
        })
        expect((await store().load(record.idHash))?.data).toEqual({ deep: [changed], list: [changed] })
      },
      timeoutMs,
    )

    test(
      `a value nested ${EXCESSIVE_NESTING} levels deep is stored exactly or refused with a TypeError, and then nothing of the write lands`,
      async () => {
        const value = nested(EXCESSIVE_NESTING)
        const fresh = sessionRecord(suite.now(), { data: { deep: value } })
        const created = await store()
          .create(fresh)
          .then(
            () => undefined,
            (error: unknown) => error,
          )
        if (created === undefined) expect(await store().load(fresh.idHash)).toEqual(fresh)
        else {
          expect(created).toBeInstanceOf(TypeError)
          expect(await store().load(fresh.idHash)).toBeUndefined()
        }

        const record = await createdRecord(suite, { data: { other: 1 } })
        const updated = await store()
          .update(record.idHash, {
            changes: [
              { kind: 'set', key: 'deep', value, expectedVersion: 0 },
              { kind: 'increment', key: 'other', by: 1 },
            ],
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          )
        const loaded = (await store().load(record.idHash)) as SessionRecord
        if (updated === undefined) expect(loaded.data).toEqual({ other: 2, deep: value })
        else {
          expect(updated).toBeInstanceOf(TypeError)
          expect(loaded).toEqual(record) // all or nothing: the increment did not land either
        }
      },
      timeoutMs,
    )
  })
}
