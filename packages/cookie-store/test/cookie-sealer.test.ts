import { randomBytes } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { CookieSealer, deriveSealKeys } from '@lambda-session/cookie-store'
import { ConfigurationError, hashSessionId } from '@lambda-session/core'
import { OTHER_SECRET, SECRET } from './harness.js'
import { encryptLikeASeal, flipByte, liveSession } from './seals.js'

const sealer = new CookieSealer([SECRET])

describe('seal and unseal', () => {
  test('a round trip gives back the id and the whole record (versions empty, idHash recomputed)', () => {
    const session = liveSession(1_700_000_000_000, { cart: [{ sku: 'A1' }], 'ümlaut 🍪': null, n: 2.5 })
    session.record.userId = 'user-1'
    const opened = sealer.unseal('sid', sealer.seal('sid', session))
    expect(opened).toEqual({ id: session.id, record: { ...session.record, idHash: hashSessionId(session.id) } })
  })

  test('the layout is version 1, a 12-byte IV, the ciphertext and a 16-byte tag', () => {
    const session = liveSession()
    const bytes = Buffer.from(sealer.seal('sid', session), 'base64url')
    const plaintext = JSON.stringify({
      i: session.id,
      d: session.record.data,
      c: session.record.createdAt,
      l: session.record.lastSeenAt,
      e: session.record.expiresAt,
    })
    expect(bytes[0]).toBe(1)
    expect(bytes.length).toBe(1 + 12 + Buffer.byteLength(plaintext) + 16)
  })

  test('a seal is bound to its cookie name', () => {
    const value = sealer.seal('sid', liveSession())
    expect(sealer.unseal('sid', value)).toBeDefined()
    expect(sealer.unseal('other', value)).toBeUndefined()
  })

  test.each([
    ['the version byte', 0],
    ['the IV', 5],
    ['the ciphertext', 20],
    ['the tag', -1],
  ])('a flipped bit in %s is refused', (_label, index) => {
    const value = sealer.seal('sid', liveSession())
    expect(sealer.unseal('sid', flipByte(value, index))).toBeUndefined()
  })

  test('a seal made with another secret is refused', () => {
    expect(sealer.unseal('sid', new CookieSealer([OTHER_SECRET]).seal('sid', liveSession()))).toBeUndefined()
  })

  test('only the canonical base64url spelling of a seal is accepted', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    // A length that leaves unused bits in the last character, so a second spelling of the same bytes exists.
    const value = ['', 'x', 'xx']
      .map((pad) => sealer.seal('sid', liveSession(1_700_000_000_000, { pad })))
      .find((candidate) => Buffer.from(candidate, 'base64url').length % 3 !== 0) as string
    const last = alphabet.indexOf(value.at(-1) as string)
    const twin = value.slice(0, -1) + alphabet[last ^ 1]
    expect(Buffer.from(twin, 'base64url').equals(Buffer.from(value, 'base64url'))).toBe(true)
    expect(sealer.unseal('sid', value)).toBeDefined()
    expect(sealer.unseal('sid', twin)).toBeUndefined()
    expect(sealer.unseal('sid', `${value}=`)).toBeUndefined()
    expect(sealer.unseal('sid', Buffer.from(value, 'base64url').toString('base64'))).toBeUndefined()
  })

  test('correctly encrypted payloads that are not sessions are refused', () => {
    const id = liveSession().id
    const payloads = [
      'not json',
      'null',
      '[]',
      JSON.stringify({ i: 'admin', d: {}, c: 1, l: 1, e: 2 }),
      JSON.stringify({ i: id, d: [], c: 1, l: 1, e: 2 }),
      JSON.stringify({ i: id, d: null, c: 1, l: 1, e: 2 }),
      JSON.stringify({ i: id, d: {}, c: '1', l: 1, e: 2 }),
      JSON.stringify({ i: id, d: {}, c: 1, l: 1 }),
      JSON.stringify({ i: id, d: {}, c: 1, l: 1, e: 2, u: '' }),
      JSON.stringify({ i: id, d: {}, c: 1, l: 1, e: 2, u: 42 }),
    ]
    for (const payload of payloads)
      expect(sealer.unseal('sid', encryptLikeASeal(SECRET, 'sid', payload))).toBeUndefined()
    const valid = JSON.stringify({ i: id, d: {}, c: 1, l: 1, e: 2 })
    expect(sealer.unseal('sid', encryptLikeASeal(SECRET, 'sid', valid))?.id).toBe(id)
    expect(sealer.unseal('sid', encryptLikeASeal(SECRET, 'sid', valid, 2))).toBeUndefined()
  })

  test('never throws, whatever it is given', () => {
    const inputs: unknown[] = ['', '.', 'A', 'A'.repeat(4097), '%00', '\u0000', 'é', null, undefined, 42, {}]
    for (let i = 0; i < 500; i++) inputs.push(randomBytes(i % 120).toString('base64url'))
    for (const input of inputs) expect(() => sealer.unseal('sid', input as string)).not.toThrow()
    for (const input of inputs) expect(sealer.unseal('sid', input as string)).toBeUndefined()
  })
})

describe('the key ring', () => {
  test('keys are derived, deterministically: another sealer on the same secret opens the seal', () => {
    const value = sealer.seal('sid', liveSession())
    expect(new CookieSealer([SECRET]).unseal('sid', value)).toBeDefined()
    const [derived] = deriveSealKeys([SECRET])
    expect(derived?.export().equals(Buffer.from(SECRET).subarray(0, 32))).toBe(false)
    expect(derived?.export().equals(deriveSealKeys([OTHER_SECRET])[0]?.export() as Buffer)).toBe(false)
  })

  test('the first key seals and every key unseals', () => {
    const rotated = new CookieSealer([OTHER_SECRET, SECRET])
    const old = sealer.seal('sid', liveSession())
    expect(rotated.unseal('sid', old)).toBeDefined()
    const fresh = rotated.seal('sid', liveSession())
    expect(new CookieSealer([OTHER_SECRET]).unseal('sid', fresh)).toBeDefined()
    expect(sealer.unseal('sid', fresh)).toBeUndefined()
  })

  test.each([
    ['no secrets', []],
    ['a missing secret', [undefined]],
    ['a short secret', ['too-short']],
    ['a short second secret', [SECRET, 'x'.repeat(31)]],
  ])('%s is a ConfigurationError', (_label, secrets) => {
    expect(() => new CookieSealer(secrets as string[])).toThrow(ConfigurationError)
  })
})
