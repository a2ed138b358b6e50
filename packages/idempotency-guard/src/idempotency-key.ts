import { type HttpEvent, readHeader } from '@lambda-session/core'

/** The longest key accepted (the IETF draft leaves it open; Stripe and others use 255). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

/** Printable ASCII, space excluded at the ends by trimming. */
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/

/** What the header held. */
export type IdempotencyKeyReading = { kind: 'missing' } | { kind: 'invalid' } | { kind: 'valid'; key: string }

// The two answers without a key are the same every time: shared, frozen, not made per request.
const MISSING: IdempotencyKeyReading = Object.freeze({ kind: 'missing' })
const INVALID: IdempotencyKeyReading = Object.freeze({ kind: 'invalid' })

/**
 * Reads the key from the header. The draft defines it as a structured-field
 * string (`"8e03…"`); plain tokens are accepted too, since most clients send
 * them unquoted.
 */
export function readIdempotencyKey(event: HttpEvent, headerName: string): IdempotencyKeyReading {
  const raw = readHeader(event, headerName)
  if (raw === undefined) return MISSING
  let key = raw.trim()
  if (key === '') return MISSING
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1)
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE.test(key)) return INVALID
  return { kind: 'valid', key }
}
