import { createHmac } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { ConfigurationError, generateSessionId, MIN_SECRET_LENGTH, SignedCookieCodec } from '@lambda-session/core'
import fc from 'fast-check'

const secretA = 'test-secret-A-0123456789abcdefghijk'
const secretB = 'test-secret-B-0123456789abcdefghijk'
const secretC = 'test-secret-C-0123456789abcdefghijk'

/** Replaces the character at `index` with a different one of the same alphabet. */
function flip(text: string, index: number): string {
  const char = text.charAt(index)
  return text.slice(0, index) + (char === 'A' ? 'B' : 'A') + text.slice(index + 1)
}

describe('SignedCookieCodec: sign and verify', () => {
  const codec = new SignedCookieCodec([secretA])
  const id = generateSessionId()

  test('signs as payload.signature with a 256-bit base64url MAC and verifies back', () => {
    const value = codec.sign('sid', id)
    expect(value).toMatch(new RegExp(`^${id}\\.[A-Za-z0-9_-]{43}$`))
    expect(codec.verify('sid', value)).toBe(id)
  })

  test('the signature depends on the secret, the name and the payload', () => {
    const value = codec.sign('sid', id)
    expect(codec.sign('sid', id)).toBe(value)
    expect(new SignedCookieCodec([secretB]).sign('sid', id)).not.toBe(value)
    expect(codec.sign('other', id)).not.toBe(value)
    expect(codec.sign('sid', generateSessionId()).split('.')[1]).not.toBe(value.split('.')[1])
  })

  test('a tampered payload fails', () => {
    const value = codec.sign('sid', id)
    expect(codec.verify('sid', flip(value, 0))).toBeUndefined()
    expect(codec.verify('sid', `x${value}`)).toBeUndefined()
    expect(codec.verify('sid', value.slice(1))).toBeUndefined()
  })

  test('a tampered signature fails', () => {
    const value = codec.sign('sid', id)
    const dot = value.lastIndexOf('.')
    expect(codec.verify('sid', flip(value, dot + 1))).toBeUndefined()
    expect(codec.verify('sid', flip(value, dot + 20))).toBeUndefined()
    expect(codec.verify('sid', value.slice(0, -4))).toBeUndefined()
    expect(codec.verify('sid', `${value}AAAA`)).toBeUndefined()
  })

  test('a value signed for another cookie name fails', () => {
    expect(codec.verify('csrf', codec.sign('sid', id))).toBeUndefined()
  })

  test('a value signed with an unknown secret fails', () => {
    expect(codec.verify('sid', new SignedCookieCodec([secretC]).sign('sid', id))).toBeUndefined()
  })

  test.each([
    ['empty', ''],
    ['no dot', id],
    ['empty payload', '.AAAA'],
    ['empty signature', `${id}.`],
    ['garbage', '%%%.***'],
    ['over 256 characters', `${'x'.repeat(300)}.${'A'.repeat(43)}`],
    ['not a string', 42 as unknown as string],
  ])('rejects %s without throwing', (_, value) => {
    expect(codec.verify('sid', value)).toBeUndefined()
  })

  // Buffer's base64url decoder is lenient; only the canonical spelling may verify.
  test('a signature is accepted in exactly one spelling', () => {
    const value = codec.sign('sid', id)
    expect(codec.verify('sid', `${value}!!`)).toBeUndefined()
    expect(codec.verify('sid', `${value}=`)).toBeUndefined()
  })
})

describe('SignedCookieCodec: values verified before', () => {
  test('verify again from the cache, but only under the name they were signed for', () => {
    const codec = new SignedCookieCodec([secretA])
    const id = generateSessionId()
    const value = codec.sign('sid', id)
    expect(codec.verify('sid', value)).toBe(id)
    expect(codec.verify('sid', value)).toBe(id) // the cached answer
    expect(codec.verify('other', value)).toBeUndefined() // the MAC covers the name; so does the cache
  })

  test('a forged value stays refused however often it is sent, and a codec without the key never accepts it', () => {
    const codec = new SignedCookieCodec([secretA])
    const value = codec.sign('sid', generateSessionId())
    const forged = flip(value, value.length - 5)
    for (let attempt = 0; attempt < 3; attempt++) expect(codec.verify('sid', forged)).toBeUndefined()
    expect(codec.verify('sid', value)).toBeDefined()
    expect(new SignedCookieCodec([secretB]).verify('sid', value)).toBeUndefined() // caches are per key ring
  })

  test('the cache is bounded: after 2,000 other values the first one still verifies (by its signature)', () => {
    const codec = new SignedCookieCodec([secretA])
    const first = codec.sign('sid', 'first-payload')
    expect(codec.verify('sid', first)).toBe('first-payload')
    for (let index = 0; index < 2000; index++) codec.verify('sid', codec.sign('sid', `payload-${index}`))
    expect(codec.verify('sid', first)).toBe('first-payload')
    expect(codec.verify('sid', flip(first, 0))).toBeUndefined()
  })
})

describe('SignedCookieCodec: the MAC is HMAC-SHA256 (RFC 2104)', () => {
  // The codec computes HMAC from two SHA-256 calls; it must agree with Node's own HMAC bit for bit.
  const text = fc.string({ unit: 'binary', maxLength: 120 }) // any UTF-16, lone surrogates included
  const secret = fc
    .tuple(fc.string({ unit: 'grapheme', minLength: MIN_SECRET_LENGTH, maxLength: 40 }), text)
    .map(([start, rest]) => start + rest) // shorter and longer than SHA-256's 64-byte block, non-ASCII too

  test('sign() equals createHmac for any secret, name and payload', () => {
    fc.assert(
      fc.property(secret, text, text, (key, name, payload) => {
        const codec = new SignedCookieCodec([key])
        const expected = createHmac('sha256', key).update(`${name}=${payload}`).digest('base64url')
        expect(codec.sign(name, payload)).toBe(`${payload}.${expected}`)
      }),
      { numRuns: 300 },
    )
  })

  test('a value signed by createHmac verifies, under every secret of the ring', () => {
    fc.assert(
      fc.property(fc.array(secret, { minLength: 1, maxLength: 3 }), fc.nat(), (keys, pick) => {
        const key = keys[pick % keys.length] as string
        const id = generateSessionId()
        const value = `${id}.${createHmac('sha256', key).update(`sid=${id}`).digest('base64url')}`
        expect(new SignedCookieCodec(keys).verify('sid', value)).toBe(id)
      }),
      { numRuns: 100 },
    )
  })

  test('a payload far longer than the buffer prepared for it signs correctly', () => {
    const codec = new SignedCookieCodec([secretA])
    const long = '€'.repeat(2000)
    expect(codec.sign('sid', long)).toBe(
      `${long}.${createHmac('sha256', secretA).update(`sid=${long}`).digest('base64url')}`,
    )
    expect(codec.sign('sid', 'short')).toBe(
      `short.${createHmac('sha256', secretA).update('sid=short').digest('base64url')}`,
    )
  })

  test('of the 64 possible last characters of a signature, only the canonical one verifies', () => {
    const codec = new SignedCookieCodec([secretA])
    const value = codec.sign('sid', generateSessionId())
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const accepted = [...alphabet].filter((char) => codec.verify('sid', value.slice(0, -1) + char) !== undefined)
    expect(accepted).toEqual([value.slice(-1)])
  })
})

describe('SignedCookieCodec: key rotation', () => {
  const id = generateSessionId()
  const signedWithA = new SignedCookieCodec([secretA]).sign('sid', id)

  test('a new first secret signs; the old one still verifies', () => {
    const rotated = new SignedCookieCodec([secretB, secretA])
    expect(rotated.verify('sid', signedWithA)).toBe(id)
    const signedWithB = rotated.sign('sid', id)
    expect(signedWithB).not.toBe(signedWithA)
    expect(new SignedCookieCodec([secretB]).verify('sid', signedWithB)).toBe(id)
    expect(new SignedCookieCodec([secretA]).verify('sid', signedWithB)).toBeUndefined()
  })

  test('once the old secret is removed, its cookies fail', () => {
    expect(new SignedCookieCodec([secretB]).verify('sid', signedWithA)).toBeUndefined()
    expect(new SignedCookieCodec([secretC, secretB]).verify('sid', signedWithA)).toBeUndefined()
  })

  test('the order of verifying secrets does not matter', () => {
    expect(new SignedCookieCodec([secretC, secretB, secretA]).verify('sid', signedWithA)).toBe(id)
  })
})

describe('SignedCookieCodec: bad secrets fail at construction with an actionable message', () => {
  test.each([
    ['an empty list', []],
    ['no list', undefined],
    ['a bare string', secretA],
  ])('%s', (_, secrets) => {
    const create = () => new SignedCookieCodec(secrets as unknown as string[])
    expect(create).toThrow(ConfigurationError)
    expect(create).toThrow(/non-empty array of strings.*SESSION_SECRET/)
  })

  test('a short secret names its index, its length and how to make a good one', () => {
    const create = () => new SignedCookieCodec([secretA, 'short'])
    expect(create).toThrow(ConfigurationError)
    expect(create).toThrow(/secrets\[1\] is 5 characters; use at least 32 random characters \(e\.g\. `openssl rand/)
  })

  test('a missing secret (an unset environment variable) says so', () => {
    expect(() => new SignedCookieCodec([undefined])).toThrow(/secrets\[0\] is missing; use at least 32/)
  })

  test('exactly the minimum length is accepted', () => {
    expect(MIN_SECRET_LENGTH).toBe(32)
    expect(() => new SignedCookieCodec(['s'.repeat(32)])).not.toThrow()
    expect(() => new SignedCookieCodec(['s'.repeat(31)])).toThrow(ConfigurationError)
  })

  test('the error is a 500 naming the package that was configured', () => {
    let caught: unknown
    try {
      new SignedCookieCodec([], '@lambda-session/session-loader')
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigurationError)
    const error = caught as ConfigurationError
    expect(error.statusCode).toBe(500)
    expect(error.expose).toBe(false)
    expect(error.name).toBe('ConfigurationError')
    expect(error.cause).toEqual({ package: '@lambda-session/session-loader', data: undefined })
  })
})
