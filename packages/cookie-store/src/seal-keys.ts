import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'
import { ConfigurationError, MIN_SECRET_LENGTH } from '@lambda-session/core'

/**
 * HKDF salt: public and fixed. It keeps the encryption keys independent of
 * any other use of the same secrets (the signed-cookie HMAC uses them raw).
 */
const HKDF_SALT = 'lambda-session/cookie-store'

/** HKDF info: the keys' one purpose. A new seal format gets new keys by changing it. */
const HKDF_INFO = 'aes-256-gcm session seal v1'

/** AES-256 takes a 32-byte key. */
const KEY_BYTES = 32

/**
 * One AES-256 key per secret, derived with HKDF-SHA256, in the ring's
 * order: the first seals, every one unseals. Secrets are checked the way the
 * signed-cookie codec checks them (at least 32 characters each).
 *
 * @example
 * ```ts
 * const [sealing, ...unsealingOnly] = deriveSealKeys([process.env.NEW_SECRET, process.env.OLD_SECRET])
 * ```
 */
export function deriveSealKeys(
  secrets: readonly (string | undefined)[],
  packageName = '@lambda-session/cookie-store',
): KeyObject[] {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ConfigurationError(
      'secrets must be a non-empty array of strings: pass e.g. [process.env.SESSION_SECRET] and set that variable.',
      { package: packageName },
    )
  }
  return secrets.map((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigurationError(
        `secrets[${index}] is ${typeof secret === 'string' ? `${secret.length} characters` : 'missing'}; ` +
          `use at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -base64 32\`).`,
        { package: packageName },
      )
    }
    // Derived once per key ring: a KeyObject is not re-imported on every seal.
    return createSecretKey(Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, KEY_BYTES)))
  })
}
