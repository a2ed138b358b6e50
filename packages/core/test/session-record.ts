import { generateSessionId, hashSessionId, type SessionRecord } from '@lambda-session/core'

/** A stored session as a store would return it, loaded under a fresh id. */
export function loadedSession(
  data: Record<string, unknown> = {},
  versions: Record<string, number> = {},
  userId?: string,
): { id: string; record: SessionRecord } {
  const id = generateSessionId()
  const now = 1_750_000_000_000
  return {
    id,
    record: {
      idHash: hashSessionId(id),
      data,
      versions,
      createdAt: now - 60_000,
      lastSeenAt: now,
      expiresAt: now + 86_400_000,
      ...(userId === undefined ? {} : { userId }),
    },
  }
}
