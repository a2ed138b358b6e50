import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { ConfigurationError, MIN_SECRET_LENGTH, parseRequestCookies, SignedCookieCodec } from '@lambda-session/core'
import { buildHttpEvent, EventShapes } from '@lambda-session/testing'
import fc from 'fast-check'
import { invoke, request, sidFrom } from '../test-faults/support/invoke.js'
import { anyString } from './support/arbitraries.js'
import { startFuzzApp } from './support/fuzz-app.js'
import { fuzzParameters, fuzzTimeout, propertyFigures } from './support/fuzz-runs.js'

// Forged, tampered and garbage cookies, against a real victim session: the
// handler never sees the victim's data unless the request carries the
// victim's exact signed cookie, and never answers 5xx.
let app: Awaited<ReturnType<typeof startFuzzApp>>
let victimCookie: string
const VICTIM_SECRET = 'victim-card-on-file-4242'
const ATTACKER_KEY = 'attacker-own-secret-0123456789-abcdefghij'
const figures = propertyFigures(
  '42-properties-cookies',
  'Properties: cookies, signatures and secrets',
  'test-fuzz/cookies.fuzz.test.ts',
)

beforeAll(async () => {
  app = await startFuzzApp('fuzz-cookies')
  const created = await invoke(app.handler, request('POST', '/value', { body: { key: 'card', value: VICTIM_SECRET } }))
  victimCookie = sidFrom(created.response) as string
  const check = await invoke(app.handler, request('GET', '/whoami', { sid: victimCookie }))
  expect(JSON.parse(check.response?.body ?? '{}').data).toEqual({ card: VICTIM_SECRET })
})
afterAll(() => app.client.destroy())

/** The victim's cookie with one edit: a character replaced, inserted, removed, re-cased or percent-encoded. */
const tampered = () =>
  fc
    .tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'remove', 'case', 'encode', 'truncate'), anyString(2))
    .map(([at, edit, text]) => {
      const i = at % victimCookie.length
      const before = victimCookie.slice(0, i)
      const char = victimCookie[i] as string
      const after = victimCookie.slice(i + 1)
      if (edit === 'replace') return before + (text || 'A') + after
      if (edit === 'insert') return before + text + char + after
      if (edit === 'remove') return before + after
      if (edit === 'case')
        return before + (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase()) + after
      if (edit === 'encode')
        return (
          before +
          encodeURIComponent(char).replace(/^([^%])$/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) +
          after
        )
      return victimCookie.slice(0, i)
    })

/** The victim's id signed with the attacker's own key, or a well-formed id with a random signature. */
const forged = fc.oneof(
  fc.constant(null).map(() => new SignedCookieCodec([ATTACKER_KEY]).sign('sid', victimCookie.split('.')[0] as string)),
  fc
    .base64String({ minLength: 44, maxLength: 44 })
    .map(
      (signature) =>
        `${victimCookie.split('.')[0]}.${signature.slice(0, 43).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', 'A')}`,
    ),
)

const sidValue = fc.oneof(
  { weight: 3, arbitrary: tampered() },
  { weight: 2, arbitrary: forged },
  { weight: 2, arbitrary: anyString(80) },
  { weight: 1, arbitrary: fc.constant(null).map(() => victimCookie) },
)

const cookieHeader = fc
  .tuple(
    fc.array(
      fc.oneof(
        sidValue.map((value) => `sid=${value}`),
        anyString(40),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.constantFrom('; ', ';', ', '),
  )
  .map(([pairs, separator]) => pairs.join(separator))

test(
  "a forged, tampered or garbage cookie never gets the victim's session, in any event shape, and never a 5xx",
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...EventShapes), cookieHeader, async (shape, header) => {
        const event = buildHttpEvent(shape, { method: 'GET', path: '/whoami', headers: { Cookie: header } })
        const answer = await invoke(app.handler, event, { functionTimeoutMs: 10_000 })
        if (typeof answer.outcome !== 'number' || answer.outcome >= 500) throw new Error(`answered ${answer.outcome}`)
        const seen = JSON.parse(answer.response?.body ?? '{}') as { data?: { card?: string } }
        if (seen.data?.card === VICTIM_SECRET) {
          // Only the genuine cookie (however the client encoded it) may open the session.
          expect(parseRequestCookies(buildHttpEvent(shape, { headers: { Cookie: header } })).get('sid')).toContain(
            victimCookie,
          )
        }
      }),
      fuzzParameters(),
    )
    figures.held("forged, tampered or garbage cookies never open the victim's session; never a 5xx")
  },
  fuzzTimeout(6),
)

test('the codec: a value verifies only if it is exactly what the key ring signed; rotation keeps old cookies valid', () => {
  const secret = fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 64 })
  const payload = fc.string({ minLength: 1, maxLength: 60 }).filter((text) => !text.includes('.'))
  fc.assert(
    fc.property(secret, secret, payload, fc.nat(), anyString(3), (current, previous, id, at, text) => {
      const signed = new SignedCookieCodec([previous]).sign('sid', id)
      const ring = new SignedCookieCodec([current, previous])
      expect(ring.verify('sid', signed)).toBe(id) // rotation: the old key still verifies
      expect(new SignedCookieCodec([current]).verify('sid', signed)).toBe(current === previous ? id : undefined)
      expect(ring.verify('other', signed)).toBeUndefined() // the cookie name is signed too
      const i = at % signed.length
      const edited = signed.slice(0, i) + text + signed.slice(i + 1)
      if (edited !== signed) expect(ring.verify('sid', edited)).toBeUndefined()
    }),
    fuzzParameters(),
  )
  figures.held('signed values verify only unedited, under their own name; rotation keeps old keys verifying')
})

test('secrets: refused below 32 characters, and every accepted secret is at least 32 bytes', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 48 }), (secret) => {
      const build = () => new SignedCookieCodec([secret])
      if (secret.length < MIN_SECRET_LENGTH) expect(build).toThrow(ConfigurationError)
      else {
        expect(build).not.toThrow()
        expect(Buffer.byteLength(secret, 'utf8')).toBeGreaterThanOrEqual(32)
      }
    }),
    fuzzParameters(),
  )
  figures.held('secrets under 32 characters refused; every accepted secret is ≥ 32 bytes')
})
