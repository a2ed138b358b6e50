import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { RedisSessionStore } from '@lambda-session/redis-store'
import fc from 'fast-check'
import { createRedisTestbed, type RedisTestbed, sessionRecord } from './helpers.js'

// Random JSON values and keys must survive create, set, append and load
// unchanged: the encoding (and the Lua that splices appended JSON) is
// where a store silently corrupts data if it is going to. Seeded, so a
// failure replays; FUZZ_RUNS raises the count.
let bed: RedisTestbed
let store: RedisSessionStore

beforeAll(async () => {
  bed = await createRedisTestbed()
  store = new RedisSessionStore({ client: bed.client })
})
afterAll(() => bed.close())

const runs = Number(process.env.FUZZ_RUNS ?? 150)
/** Session keys: any well-formed string but the empty one (both stores refuse it). */
const sessionKey = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
/** What a handler can store: JSON text parsed back (so `-0` is `0`, as after any JSON round trip). */
const jsonValue = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown)

test('random JSON data and keys round-trip through create, update and load', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(sessionKey, jsonValue, { maxKeys: 5 }),
      sessionKey,
      jsonValue,
      fc.array(jsonValue, { minLength: 1, maxLength: 4 }),
      async (initial, key, changed, appended) => {
        const record = sessionRecord({ data: initial })
        await store.create(record)
        expect(await store.load(record.idHash)).toEqual(record)

        const listKey = `${key}-list`
        const existingList = Array.isArray(initial[listKey]) ? (initial[listKey] as unknown[]) : undefined
        const changes = [
          { kind: 'set' as const, key, value: changed, expectedVersion: 0 },
          // Append to a list (or nothing): a key holding something else is a conflict, tested elsewhere.
          ...(existingList || initial[listKey] === undefined
            ? [{ kind: 'append' as const, key: listKey, values: appended }]
            : []),
        ]
        await store.update(record.idHash, { changes })
        const loaded = await store.load(record.idHash)
        const expected: Record<string, unknown> = { ...initial, [key]: changed }
        if (changes.length === 2) expected[listKey] = [...(existingList ?? []), ...appended]
        expect(loaded?.data).toEqual(expected)
        expect(loaded?.versions[key]).toBe(1)
      },
    ),
    { seed: 20_260_801, numRuns: runs },
  )
})

test('random increments give exactly the sum JavaScript computes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), {
        minLength: 1,
        maxLength: 5,
      }),
      async (start, steps) => {
        const initial = JSON.parse(JSON.stringify(start)) as number
        const record = sessionRecord({ data: { n: initial } })
        await store.create(record)
        let expected = initial
        for (const by of steps) {
          await store.update(record.idHash, { changes: [{ kind: 'increment', key: 'n', by }] })
          expected += by
        }
        // JSON has no -0: a stored -0 reads back as 0, as it would from any JSON store.
        expect((await store.load(record.idHash))?.data.n).toBe(expected === 0 ? 0 : expected)
      },
    ),
    { seed: 20_260_802, numRuns: runs },
  )
})
