import { afterAll, beforeAll, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { invoke, request, sidFrom } from '../test-faults/support/invoke.js'
import { anyString } from './support/arbitraries.js'
import { startFuzzApp } from './support/fuzz-app.js'
import { fuzzParameters, fuzzTimeout, propertyFigures } from './support/fuzz-runs.js'

// Idempotency keys of every kind on the checkout route: a valid key runs the
// handler once and replays byte for byte; anything else is a 400; nothing is
// ever a 5xx; the same key from two users never shares a record.
let app: Awaited<ReturnType<typeof startFuzzApp>>
const figures = propertyFigures(
  '43-properties-idempotency',
  'Properties: idempotency keys',
  'test-fuzz/idempotency-keys.fuzz.test.ts',
)

beforeAll(async () => {
  app = await startFuzzApp('fuzz-idem')
})
afterAll(() => app.client.destroy())

/**
 * How the guard reads a header (its README): blank is no key at all (the
 * route runs unguarded); otherwise 1 to 255 printable ASCII characters once
 * trimmed and unquoted, or a 400.
 */
function readKey(header: string): { kind: 'missing' } | { kind: 'invalid' } | { kind: 'valid'; key: string } {
  let key = header.trim()
  if (key === '') return { kind: 'missing' }
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1)
  const valid = key.length > 0 && key.length <= 255 && /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(key)
  return valid ? { kind: 'valid', key } : { kind: 'invalid' }
}

/**
 * One signed-in user shared by many cases, replaced every 500 checkouts so
 * the session item (its order list grows) stays far below 400 KB.
 */
function rotatingUser(userId: string) {
  let sid: string | undefined
  let uses = 0
  return async (): Promise<{ sid: string; fresh: boolean }> => {
    if (sid === undefined || uses++ >= 500) {
      sid = await signIn(userId)
      uses = 1
      return { sid, fresh: true }
    }
    return { sid, fresh: false }
  }
}

const keyHeader = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }),
  fc.string({ minLength: 250, maxLength: 260 }),
  fc.uuid().map((key) => `"${key}"`),
  anyString(30),
)

async function signIn(userId: string): Promise<string> {
  const login = await invoke(app.handler, request('POST', '/login', { body: { userId } }))
  return sidFrom(login.response) as string
}

async function checkout(sid: string, key: string) {
  return invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: key }), { functionTimeoutMs: 10_000 })
}

test(
  'any Idempotency-Key: a valid one runs once and replays byte for byte; an invalid one is a 400; never a 5xx',
  async () => {
    const buyer = rotatingUser('buyer')
    const firstAnswers = new Map<string, string>() // key → body of its first answer, for the current session
    await fc.assert(
      fc.asyncProperty(keyHeader, async (header) => {
        const { sid, fresh } = await buyer()
        if (fresh) firstAnswers.clear()
        const first = await checkout(sid, header)
        const repeat = await checkout(sid, header)
        const reading = readKey(header)
        if (reading.kind === 'invalid') {
          expect([first.outcome, repeat.outcome]).toEqual([400, 400])
          return
        }
        expect([first.outcome, repeat.outcome]).toEqual([200, 200])
        if (reading.kind === 'missing') {
          // No key: nothing to deduplicate, each request is an order of its own.
          expect(repeat.response?.body).not.toBe(first.response?.body)
          return
        }
        const earlier = firstAnswers.get(reading.key)
        if (earlier === undefined) {
          expect(first.response?.headers?.['Idempotent-Replayed']).toBeUndefined()
          firstAnswers.set(reading.key, first.response?.body as string)
        } else expect(first.response?.body).toBe(earlier) // the key was used in an earlier case: a replay too
        expect(repeat.response?.body).toBe(firstAnswers.get(reading.key))
        expect(repeat.response?.headers?.['Idempotent-Replayed']).toBe('true')
      }),
      fuzzParameters(),
    )
    figures.held('any key: valid ones run once and replay byte for byte, invalid ones get 400, never a 5xx')
  },
  fuzzTimeout(15),
)

test(
  "the same key from two users never replays one user's response to the other",
  async () => {
    const alice = rotatingUser('alice')
    const mallory = rotatingUser('mallory')
    await fc.assert(
      fc.asyncProperty(fc.uuid(), async (key) => {
        const [aliceSid, mallorySid] = await Promise.all([alice(), mallory()])
        // At the same moment, the hardest case for scoping: both acquire a lock for the same client key.
        const [aliceOrder, malloryOrder] = await Promise.all([
          checkout(aliceSid.sid, key),
          checkout(mallorySid.sid, key),
        ])
        expect([aliceOrder.outcome, malloryOrder.outcome]).toEqual([200, 200])
        expect(malloryOrder.response?.headers?.['Idempotent-Replayed']).toBeUndefined()
        expect(malloryOrder.response?.body).not.toBe(aliceOrder.response?.body)
      }),
      fuzzParameters(),
    )
    figures.held("a key reused by another user never replays the first user's response")
  },
  fuzzTimeout(25),
)
