import { hash, randomBytes } from 'node:crypto'

/** Bytes of CSPRNG output in a session id: 256 bits, as OWASP asks for at least 64. */
export const SESSION_ID_BYTES = 32

/** A session id is exactly 43 base64url characters (32 bytes, unpadded). */
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * A new session id: 256 bits from Node's CSPRNG, base64url-encoded.
 *
 * @example
 * ```ts
 * const id = generateSessionId() // 'q3J…' (43 characters)
 * ```
 */
export function generateSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url')
}

/** Whether a string has the exact form {@link generateSessionId} produces. */
export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value)
}

/**
 * The key a session is stored under: SHA-256 of the id. A leaked table or
 * backup holds only hashes, which can't be turned back into cookies; the id's
 * 256 random bits make a salt unnecessary.
 */
export function hashSessionId(id: string): string {
  // The loader, the guard's scope and the saver each hash the same id in one
  // request: remembering the last answer makes the second and third free.
  if (id !== lastId) {
    // One-shot `hash`: no Hash object per call, a third of `createHash`'s cost.
    lastHash = hash('sha256', id, 'base64url')
    lastId = id
  }
  return lastHash
}

let lastId: string | undefined
let lastHash = ''
