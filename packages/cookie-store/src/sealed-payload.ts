import { hashSessionId, isSessionId, type SealedSession, type SessionRecord } from '@lambda-session/core'

/**
 * What is encrypted: short member names, because every byte here costs
 * 4/3 of a byte of cookie. The timestamps make expiry part of the seal, so
 * a client can't extend its session by editing them.
 */
interface SealedPayload {
  /** The session id. */
  i: string
  /** The data. */
  d: Record<string, unknown>
  /** `createdAt` (epoch ms): the absolute lifetime counts from here. */
  c: number
  /** `lastSeenAt` (epoch ms): the idle timeout counts from here. */
  l: number
  /** `expiresAt` (epoch ms): the latest expiry when sealed. */
  e: number
  /** `userId`, when set. */
  u?: string
}

/** The session as UTF-8 JSON, ready to encrypt. */
export function encodeSealedPayload({ id, record }: SealedSession): Buffer {
  const payload: SealedPayload = {
    i: id,
    d: record.data,
    c: record.createdAt,
    l: record.lastSeenAt,
    e: record.expiresAt,
  }
  if (record.userId !== undefined) payload.u = record.userId
  return Buffer.from(JSON.stringify(payload), 'utf8')
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The session in a decrypted payload, or `undefined` if it is not one.
 * Only this package's own keys produce payloads that decrypt, so the checks
 * guard against a format change or a bug rather than an attacker.
 */
export function decodeSealedPayload(plaintext: Buffer): SealedSession | undefined {
  let payload: Partial<SealedPayload>
  try {
    payload = JSON.parse(plaintext.toString('utf8'))
  } catch {
    return undefined
  }
  if (!isPlainObject(payload) || typeof payload.i !== 'string' || !isSessionId(payload.i)) return undefined
  if (!isPlainObject(payload.d)) return undefined
  const { c, l, e, u } = payload
  if (!Number.isFinite(c) || !Number.isFinite(l) || !Number.isFinite(e)) return undefined
  if (u !== undefined && (typeof u !== 'string' || u.length === 0)) return undefined
  const record: SessionRecord = {
    idHash: hashSessionId(payload.i),
    data: payload.d,
    versions: {}, // no concurrent writers to detect: the cookie is the only copy
    createdAt: c as number,
    lastSeenAt: l as number,
    expiresAt: e as number,
  }
  if (u !== undefined) record.userId = u
  return { id: payload.i, record }
}
