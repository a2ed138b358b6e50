import { describe, expect, test } from '@jest/globals'
import { CookieSealer } from '@lambda-session/cookie-store'
import { bodyOf, cookieSessions, invoke, OTHER_SECRET, SECRET, sessionCookieOf, sidFrom, whoami } from './harness.js'

const OLD = OTHER_SECRET
const NEW = SECRET

describe('rotating the secrets', () => {
  test('old cookies load while the old secret is in the ring; the next write re-seals them with the new one', async () => {
    const sid = sidFrom(await invoke(cookieSessions({ secrets: [OLD] }), (session) => session.set('owner', 'bob')))
    const rotating = cookieSessions({ secrets: [NEW, OLD] })

    const read = await invoke(rotating, whoami, { cookies: sid })
    expect(bodyOf(read)).toMatchObject({ isNew: false, data: { owner: 'bob' } })
    expect(sessionCookieOf(read)).toBeUndefined() // a read alone doesn't re-seal

    const written = sidFrom(await invoke(rotating, (session) => session.increment('n'), { cookies: sid }))
    expect(new CookieSealer([NEW]).unseal('sid', written.sid as string)?.record.data).toEqual({ owner: 'bob', n: 1 })
    expect(new CookieSealer([OLD]).unseal('sid', written.sid as string)).toBeUndefined()

    const rotated = cookieSessions({ secrets: [NEW] })
    expect(bodyOf(await invoke(rotated, whoami, { cookies: written }))).toMatchObject({ isNew: false })
    expect(bodyOf(await invoke(rotated, whoami, { cookies: sid }))).toEqual({ isNew: true, data: {}, userId: null })
  })
})
