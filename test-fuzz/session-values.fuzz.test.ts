import { afterAll, beforeAll, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { invoke, request, sidFrom } from '../test-faults/support/invoke.js'
import {
  anyJson,
  asJson,
  deeplyNested,
  isStorable,
  MAX_VALUE_NESTING,
  nestingOf,
  storableJson,
  toStorable,
} from './support/arbitraries.js'
import { startFuzzApp } from './support/fuzz-app.js'
import { fuzzParameters, fuzzTimeout, propertyFigures } from './support/fuzz-runs.js'

// Values go in through a request body and `session.set`, are written by the
// saver, and read back by the next request after a fresh load from DynamoDB.
let app: Awaited<ReturnType<typeof startFuzzApp>>
const figures = propertyFigures(
  '41-properties-values',
  'Properties: session values',
  'test-fuzz/session-values.fuzz.test.ts',
)

beforeAll(async () => {
  app = await startFuzzApp('fuzz-values')
})
afterAll(() => app.client.destroy())

/** Names every plain object inherits: a session key may be called that too. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype)

/** Session keys: any well-formed unicode, 1 to 255 UTF-16 units (the inherited names have a property of their own below). */
const sessionKey = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 120 })
  .filter((key) => key.length <= 255 && key !== 'seed' && !PROTOTYPE_NAMES.includes(key))

async function store(sid: string | undefined, key: string, value: unknown) {
  return invoke(app.handler, request('POST', '/value', { sid, body: { key, value } }), { functionTimeoutMs: 10_000 })
}

async function read(sid: string | undefined, key: string) {
  const answer = await invoke(app.handler, request('POST', '/value/read', { sid, body: { key } }), {
    functionTimeoutMs: 10_000,
  })
  return JSON.parse(answer.response?.body ?? '{}') as { found: boolean; value: unknown }
}

test(
  'any storable JSON value, under any unicode key, reads back deep-equal: through a new session and an update',
  async () => {
    await fc.assert(
      fc.asyncProperty(
        sessionKey,
        storableJson,
        sessionKey,
        storableJson,
        async (firstKey, first, secondKey, second) => {
          const created = await store(undefined, firstKey, first) // a new session: one PutItem
          expect(created.outcome).toBe(200)
          const sid = sidFrom(created.response)
          expect(sid).toBeDefined()
          const updated = await store(sid, secondKey, second) // an existing one: one UpdateItem
          expect(updated.outcome).toBe(200)
          const expected = { [firstKey]: asJson(first), [secondKey]: asJson(second) }
          for (const [key, value] of Object.entries(expected))
            expect(await read(sid, key)).toEqual({ found: true, value })
        },
      ),
      fuzzParameters(),
    )
    figures.held('any storable JSON value under any unicode key round-trips deep-equal (create and update)')
  },
  fuzzTimeout(15),
)

/** The refusal of a value nested too deep: a `TypeError` that names the key and the limit, and says what to do. */
const TOO_DEEP = new RegExp(`'deep' nests arrays and objects more than ${MAX_VALUE_NESTING} levels deep.*JSON string`)

test(
  `values nested up to ${MAX_VALUE_NESTING} levels round-trip deep-equal (create and update); deeper ones are refused before any write with a TypeError naming the key and the limit`,
  async () => {
    await fc.assert(
      fc.asyncProperty(
        deeplyNested.map(({ value }) => asJson(toStorable(value))),
        async (value) => {
          const fits = nestingOf(value) <= MAX_VALUE_NESTING
          app.errors.length = 0
          const created = await store(undefined, 'deep', value) // a new session: one PutItem
          const seeded = await store(undefined, 'seed', 1)
          const sid = sidFrom(seeded.response)
          const updated = await store(sid, 'deep', value) // an existing one: one UpdateItem
          const readBack = await read(sid, 'deep')
          if (fits) {
            expect([created.outcome, updated.outcome]).toEqual([200, 200])
            expect(await read(sidFrom(created.response), 'deep')).toEqual({ found: true, value })
            expect(readBack).toEqual({ found: true, value })
            return
          }
          // Refused by the store, before anything is sent: a programming error (500), nothing written.
          expect([created.outcome, updated.outcome]).toEqual([500, 500])
          expect(sidFrom(created.response)).toBeUndefined()
          expect(readBack).toEqual({ found: false, value: null })
          expect(app.errors).toHaveLength(2)
          for (const error of app.errors) {
            expect(error).toBeInstanceOf(TypeError)
            expect((error as Error).message).toMatch(TOO_DEEP)
          }
        },
      ),
      fuzzParameters(),
    )
    figures.held(
      `values nested up to ${MAX_VALUE_NESTING} levels round-trip deep-equal (create and update); deeper ones are refused before any write (TypeError, 500)`,
    )
  },
  fuzzTimeout(20),
)

test(
  'session keys named like Object.prototype members (__proto__, constructor, toString, valueOf…) behave like any other key',
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROTOTYPE_NAMES), fc.integer({ min: 1, max: 1000 }), async (key, value) => {
        const created = await store(undefined, 'seed', 1)
        const sid = sidFrom(created.response)
        expect(await read(sid, key)).toEqual({ found: false, value: null }) // a key never set is absent
        expect((await store(sid, key, value)).outcome).toBe(200) // an update of a loaded session
        expect(await read(sid, key)).toEqual({ found: true, value })
        const counter = await invoke(app.handler, request('POST', '/counter', { sid }), { functionTimeoutMs: 10_000 })
        expect(counter.outcome).toBe(200)
      }),
      { ...fuzzParameters(), numRuns: Math.min(200, fuzzParameters().numRuns ?? 200) },
    )
    figures.held(
      'session keys named like Object.prototype members behave like any other key',
      Math.min(200, fuzzParameters().numRuns ?? 200),
    )
  },
  fuzzTimeout(10),
)

test(
  'any JSON value at all (lone surrogates, numbers out of range, empty keys, deep nesting): stored exactly, or refused before any write with a TypeError (500), never a 503 and never corrupted',
  async () => {
    const value = fc.oneof(
      anyJson,
      deeplyNested.map(({ value: nested }) => nested),
    )
    await fc.assert(
      fc.asyncProperty(value, async (candidate) => {
        const created = await store(undefined, 'seed', 1)
        const sid = sidFrom(created.response)
        app.errors.length = 0
        const written = await store(sid, 'value', candidate)
        const readBack = await read(sid, 'value')
        if (written.outcome === 200) {
          expect(readBack).toEqual({ found: true, value: asJson(candidate) })
          return
        }
        // Refused: a programming error (the app must validate), answered 500, nothing written.
        expect({ storable: isStorable(asJson(candidate)), outcome: written.outcome }).toEqual({
          storable: false,
          outcome: 500,
        })
        expect(app.errors[0]).toBeInstanceOf(TypeError)
        // A value whose only fault is its depth is refused for that, naming the limit.
        const onlyTooDeep =
          nestingOf(asJson(candidate)) > MAX_VALUE_NESTING &&
          JSON.stringify(toStorable(asJson(candidate))) === JSON.stringify(asJson(candidate))
        if (onlyTooDeep)
          expect((app.errors[0] as Error).message).toContain(`more than ${MAX_VALUE_NESTING} levels deep`)
        expect(readBack.found).toBe(false)
      }),
      fuzzParameters(),
    )
    figures.held('any JSON value at all: stored exactly, or refused before any write (TypeError, 500)')
  },
  fuzzTimeout(15),
)
