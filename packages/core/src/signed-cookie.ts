import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'
import { ConfigurationError } from './errors.js'

/** The shortest secret accepted: 32 characters, about 190 bits if random base64. */
export const MIN_SECRET_LENGTH = 32

/** Cookie values above this length are rejected before any crypto runs. */
const MAX_SIGNED_VALUE_LENGTH = 256

/** How many verified values a codec remembers (each under 300 bytes). */
const VERIFIED_CACHE_ENTRIES = 512

/** An HMAC-SHA256 in unpadded base64url: 43 characters. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * Signs and verifies cookie values with HMAC-SHA256 over a key ring: the
 * first secret signs, every secret verifies, so a secret can be rotated in
 * by putting it first and rotated out later by removing it.
 *
 * @example
 * ```ts
 * const codec = new SignedCookieCodec(['new-secret…', 'old-secret…'])
 * const value = codec.sign('sid', id)
 * codec.verify('sid', value) // id, or undefined if forged
 * ```
 */
export class SignedCookieCodec {
  readonly #keys: readonly KeyObject[]
  /** Values that verified, by value: what they verified as. Per codec, so per key ring. */
  readonly #verified = new Map<string, { name: string; payload: string }>()

  constructor(secrets: readonly (string | undefined)[], packageName = '@lambda-session/core') {
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new ConfigurationError(
        'secrets must be a non-empty array of strings: pass e.g. [process.env.SESSION_SECRET] and set that variable.',
        { package: packageName },
      )
    }
    secrets.forEach((secret, index) => {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
        throw new ConfigurationError(
          `secrets[${index}] is ${typeof secret === 'string' ? `${secret.length} characters` : 'missing'}; ` +
            `use at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -base64 32\`).`,
          { package: packageName },
        )
      }
    })
    // KeyObjects are prepared once; a Buffer key would be re-imported on every HMAC.
    this.#keys = secrets.map((secret) => createSecretKey(Buffer.from(secret as string, 'utf8')))
  }

  #mac(key: KeyObject, name: string, payload: string): Buffer {
    // The cookie name is part of the MAC so a value can't be replayed under another cookie.
    return createHmac('sha256', key).update(`${name}=${payload}`).digest()
  }

  /** `payload.signature`, signed with the first secret. `payload` must not contain `.`. */
  sign(name: string, payload: string): string {
    return `${payload}.${this.#mac(this.#keys[0] as KeyObject, name, payload).toString('base64url')}`
  }

  /**
   * The payload if any secret's signature matches, `undefined` for anything
   * else. A value verified before (a warm container serving the same
   * browser again) is answered from a small cache without another HMAC.
   * Only exact strings that passed the full check are cached, so a wrong
   * guess always takes the constant-time path: the cache can't tell an
   * attacker anything about a signature they don't already hold.
   */
  verify(name: string, value: string): string | undefined {
    if (typeof value !== 'string' || value.length > MAX_SIGNED_VALUE_LENGTH) return undefined
    const known = this.#verified.get(value)
    if (known !== undefined && known.name === name) return known.payload
    const payload = this.#verifySignature(name, value)
    if (payload !== undefined) {
      // Oldest out first: the cache stays a few KB whatever the traffic.
      if (this.#verified.size >= VERIFIED_CACHE_ENTRIES)
        this.#verified.delete(this.#verified.keys().next().value as string)
      this.#verified.set(value, { name, payload })
    }
    return payload
  }

  #verifySignature(name: string, value: string): string | undefined {
    const dot = value.lastIndexOf('.')
    if (dot <= 0) return undefined
    const payload = value.slice(0, dot)
    const encoded = value.slice(dot + 1)
    // Accept exactly one spelling of a signature: Buffer's decoder skips stray
    // characters and ignores the last character's unused bits.
    if (!SIGNATURE_PATTERN.test(encoded)) return undefined
    const signature = Buffer.from(encoded, 'base64url')
    if (signature.toString('base64url') !== encoded) return undefined
    for (const key of this.#keys) {
      if (timingSafeEqual(signature, this.#mac(key, name, payload))) return payload
    }
    return undefined
  }
}
