import { createCipheriv, randomBytes } from 'node:crypto'
import { deriveSealKeys } from '@lambda-session/cookie-store'
import { generateSessionId, type SealedSession } from '@lambda-session/core'

/** A live session as the saver seals it, at `now`. */
export function liveSession(now = Date.now(), data: Record<string, unknown> = { owner: 'alice' }): SealedSession {
  return {
    id: generateSessionId(),
    record: { idHash: '', data, versions: {}, createdAt: now, lastSeenAt: now, expiresAt: now + 60_000 },
  }
}

/**
 * Encrypts any plaintext exactly as a seal is made (same key derivation,
 * layout and associated data), to test what happens when a correctly
 * encrypted payload is not a session.
 */
export function encryptLikeASeal(secret: string, cookieName: string, plaintext: string, version = 1): string {
  const [key] = deriveSealKeys([secret])
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key as never, iv, { authTagLength: 16 })
  cipher.setAAD(Buffer.from(`${version}\u0000${cookieName}`, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.of(version), iv, ciphertext, cipher.getAuthTag()]).toString('base64url')
}

/** `value` with one byte of its decoded form flipped at `index` (negative: from the end). */
export function flipByte(value: string, index: number): string {
  const bytes = Buffer.from(value, 'base64url')
  const at = index < 0 ? bytes.length + index : index
  bytes[at] = (bytes[at] as number) ^ 0x01
  return bytes.toString('base64url')
}
