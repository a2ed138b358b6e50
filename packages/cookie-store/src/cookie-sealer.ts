import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto'
import type { SealedSession, SessionSealer } from '@lambda-session/core'
import { type SerializeOptions, stringifySetCookie } from 'cookie'
import { BROWSER_COOKIE_LIMIT_BYTES, checkMaxCookieBytes, cookieStoreDefaults } from './cookie-store-options.js'
import { deriveSealKeys } from './seal-keys.js'
import { decodeSealedPayload, encodeSealedPayload } from './sealed-payload.js'
import { SessionCookieTooLargeError } from './session-cookie-too-large-error.js'

const PACKAGE_NAME = '@lambda-session/cookie-store'

/** First byte of every seal: lets a later format be told apart during a rollout. */
const FORMAT_VERSION = 1

/** GCM's standard nonce: 96 random bits per seal. */
const IV_BYTES = 12

/** The full 128-bit GCM tag: shorter tags are easier to forge. */
const TAG_BYTES = 16

/** Version byte, IV, at least `{}`-sized ciphertext, tag. */
const MIN_SEAL_BYTES = 1 + IV_BYTES + 2 + TAG_BYTES

/** No cookie value longer than this fits in a browser's cookie; longer input is refused before any crypto. */
const MAX_SEALED_VALUE_LENGTH = BROWSER_COOKIE_LIMIT_BYTES

const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/

/** Options of {@link CookieSealer}. */
export interface CookieSealerOptions {
  /** Largest `Set-Cookie` line `sealCookie` returns, at most 4096. @default 4096 */
  maxCookieBytes?: number
  /** Named in errors. @default '@lambda-session/cookie-store' */
  packageName?: string
}

/**
 * The additional authenticated data: the format version and the cookie name,
 * so a seal can't be replayed under another cookie name (another app on the
 * same secrets) and its version byte can't be edited.
 */
function associatedData(cookieName: string): Buffer {
  return Buffer.from(`${FORMAT_VERSION}\u0000${cookieName}`, 'utf8')
}

/**
 * Seals whole sessions into cookie values with AES-256-GCM over a key ring:
 * the first key seals, every key unseals, so a secret is rotated in by
 * putting it first and out by removing it once the old cookies have
 * expired. Keys are derived from the secrets with HKDF-SHA256. A seal is
 * `base64url(version ‖ iv ‖ ciphertext ‖ tag)`, authenticated together with
 * the cookie name.
 *
 * @example
 * ```ts
 * const sealer = new CookieSealer([process.env.SESSION_SECRET])
 * const value = sealer.seal('sid', { id, record })
 * sealer.unseal('sid', value) // { id, record }, or undefined if tampered with
 * ```
 */
export class CookieSealer implements SessionSealer {
  /** The largest `Set-Cookie` line {@link CookieSealer.sealCookie} returns. */
  readonly maxCookieBytes: number
  readonly #keys: readonly KeyObject[]
  readonly #packageName: string

  /**
   * @param secrets - at least 32 characters each; the first seals, all unseal
   * @param options - size limit and package name @default {}
   */
  constructor(secrets: readonly (string | undefined)[], options: CookieSealerOptions = {}) {
    this.#packageName = options.packageName ?? PACKAGE_NAME
    this.#keys = deriveSealKeys(secrets, this.#packageName)
    this.maxCookieBytes = checkMaxCookieBytes(
      options.maxCookieBytes ?? cookieStoreDefaults.maxCookieBytes,
      this.#packageName,
    )
  }

  /** The cookie value carrying `session`, sealed with the first key and a fresh random IV. */
  seal(cookieName: string, session: SealedSession): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0] as KeyObject, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(associatedData(cookieName))
    const ciphertext = Buffer.concat([cipher.update(encodeSealedPayload(session)), cipher.final()])
    return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, ciphertext, cipher.getAuthTag()]).toString('base64url')
  }

  /** The session in `value` if a key of the ring sealed it under `cookieName`; `undefined` for anything else. */
  unseal(cookieName: string, value: string): SealedSession | undefined {
    if (typeof value !== 'string' || value.length > MAX_SEALED_VALUE_LENGTH || !BASE64URL_PATTERN.test(value)) {
      return undefined
    }
    const sealed = Buffer.from(value, 'base64url')
    // One spelling per seal: Buffer's decoder ignores the last character's unused bits.
    if (sealed.length < MIN_SEAL_BYTES || sealed[0] !== FORMAT_VERSION || sealed.toString('base64url') !== value) {
      return undefined
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES)
    const ciphertext = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)
    const tag = sealed.subarray(sealed.length - TAG_BYTES)
    const aad = associatedData(cookieName)
    // No key id in the seal: trying a ring of two or three keys costs microseconds and reveals nothing.
    for (const key of this.#keys) {
      const plaintext = decrypt(key, iv, ciphertext, tag, aad)
      if (plaintext) return decodeSealedPayload(plaintext)
    }
    return undefined
  }

  /**
   * The whole `Set-Cookie` line for `session`. Throws a 413
   * {@link SessionCookieTooLargeError} when it would be longer than
   * `maxCookieBytes`, so an oversized cookie is never sent and dropped.
   */
  sealCookie(cookieName: string, session: SealedSession, attributes: SerializeOptions): string {
    const setCookie = stringifySetCookie({ ...attributes, name: cookieName, value: this.seal(cookieName, session) })
    const bytes = Buffer.byteLength(setCookie, 'utf8')
    if (bytes > this.maxCookieBytes) {
      throw new SessionCookieTooLargeError(bytes, this.maxCookieBytes, { package: this.#packageName })
    }
    return setCookie
  }
}

/** The plaintext, or `undefined` when the tag doesn't verify under this key. */
function decrypt(key: KeyObject, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    return undefined
  }
}
