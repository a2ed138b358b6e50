import { describe, expect, test } from '@jest/globals'
import { CookieSealer, CookieSessionStore } from '@lambda-session/cookie-store'
import type { SessionRecord, SessionUpdate } from '@lambda-session/core'
import { EventShapes } from '@lambda-session/testing'
import { bodyOf, cookieSessions, invoke, SECRET, sessionCookieOf, setCookiesOf, sidFrom, whoami } from './harness.js'

const sealer = new CookieSealer([SECRET])

describe.each(EventShapes)('%s', (shape) => {
  test('the whole session is sealed into the cookie, with the default attributes, and read back', async () => {
    const options = cookieSessions()
    const first = await invoke(
      options,
      (session) => {
        session.set('cart', [{ sku: 'A1', qty: 2 }])
        session.userId = 'user-1'
        return session.increment('visits')
      },
      { shape, cookies: { theme: 'dark' } },
    )
    expect(bodyOf(first)).toBe(1)
    const cookie = sessionCookieOf(first)
    expect(cookie).toMatchObject({ name: 'sid', httpOnly: true, secure: true, sameSite: 'lax', path: '/' })
    const second = await invoke(options, whoami, { shape, cookies: { theme: 'dark', ...sidFrom(first) } })
    expect(bodyOf(second)).toEqual({
      isNew: false,
      data: { cart: [{ sku: 'A1', qty: 2 }], visits: 1 },
      userId: 'user-1',
    })
    expect(setCookiesOf(second)).toEqual([]) // nothing changed: nothing to re-seal
  })
})

describe('what is in the cookie', () => {
  test('the data is encrypted: neither keys nor values show in the cookie, even decoded', async () => {
    const response = await invoke(cookieSessions(), (session) => session.set('plan', 'platinum-secret-plan'))
    const value = sidFrom(response).sid as string
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/)
    const decoded = Buffer.from(value, 'base64url').toString('latin1')
    for (const text of ['platinum', 'plan']) {
      expect(value).not.toContain(text)
      expect(decoded).not.toContain(text)
    }
  })

  test('the same session sealed twice gives two different cookies (a fresh IV each time)', async () => {
    const record: SessionRecord = {
      idHash: 'h',
      data: { a: 1 },
      versions: {},
      createdAt: 1,
      lastSeenAt: 1,
      expiresAt: 2,
    }
    const id = 'A'.repeat(43)
    expect(sealer.seal('sid', { id, record })).not.toBe(sealer.seal('sid', { id, record }))
  })

  test('session.id is stable across requests (it is sealed too) and changes on regenerate()', async () => {
    const options = cookieSessions()
    const first = await invoke(options, (session) => {
      session.set('a', 1)
      return session.id
    })
    const id = bodyOf(first)
    expect(bodyOf(await invoke(options, (session) => session.id, { cookies: sidFrom(first) }))).toBe(id)
    const login = await invoke(options, (session) => session.regenerate().id, { cookies: sidFrom(first) })
    expect(bodyOf(login)).not.toBe(id)
    expect(bodyOf(await invoke(options, (session) => session.id, { cookies: sidFrom(login) }))).toBe(bodyOf(login))
  })
})

describe('writes are cookies', () => {
  test('a new session left empty, or destroyed at once, sets no cookie', async () => {
    expect(setCookiesOf(await invoke(cookieSessions(), (session) => session.get('x')))).toEqual([])
    expect(setCookiesOf(await invoke(cookieSessions(), (session) => session.set('x', 1).destroy()))).toEqual([])
  })

  test('the middlewares never call the SessionStore methods: there is no server state', async () => {
    const calls: string[] = []
    class WatchedStore extends CookieSessionStore {
      override async load(idHash: string) {
        calls.push('load')
        return super.load(idHash)
      }
      override async create(record: SessionRecord) {
        calls.push('create')
        return super.create(record)
      }
      override async update(idHash: string, update: SessionUpdate) {
        calls.push('update')
        return super.update(idHash, update)
      }
      override async replace(oldIdHash: string, record: SessionRecord) {
        calls.push('replace')
        return super.replace(oldIdHash, record)
      }
      override async destroy(idHash: string) {
        calls.push('destroy')
        return super.destroy(idHash)
      }
    }
    const options = cookieSessions({ store: new WatchedStore() })
    const created = await invoke(options, (session) => session.set('a', 1))
    const updated = await invoke(options, (session) => session.append('l', 1), { cookies: sidFrom(created) })
    const regenerated = await invoke(options, (session) => session.regenerate(), { cookies: sidFrom(updated) })
    const destroyed = await invoke(options, (session) => session.destroy(), { cookies: sidFrom(regenerated) })
    expect([created, updated, regenerated, destroyed].map((response) => response.statusCode)).toEqual([
      200, 200, 200, 200,
    ])
    expect(calls).toEqual([])
  })
})

describe('regenerate() and destroy() without server state', () => {
  test('regenerate(): a new cookie with the data, the owner and the age of the old session', async () => {
    const options = cookieSessions()
    const anon = await invoke(options, (session) => session.append('cart', 'sku-1'))
    const createdAt = bodyOf(await invoke(options, (session) => session.createdAt, { cookies: sidFrom(anon) }))
    const login = await invoke(
      options,
      (session) => {
        session.regenerate()
        session.userId = 'user-1'
      },
      { cookies: sidFrom(anon) },
    )
    expect(sidFrom(login).sid).not.toBe(sidFrom(anon).sid)
    const after = await invoke(
      options,
      (session) => ({ ...(whoami(session) as object), createdAt: session.createdAt }),
      {
        cookies: sidFrom(login),
      },
    )
    expect(bodyOf(after)).toEqual({ isNew: false, data: { cart: ['sku-1'] }, userId: 'user-1', createdAt })
  })

  test('the pre-login cookie carries only the anonymous state: a planted copy never gains the login', async () => {
    const options = cookieSessions()
    const planted = sidFrom(await invoke(options, (session) => session.set('cart', ['x'])))
    await invoke(
      options,
      (session) => {
        session.regenerate()
        session.userId = 'victim'
      },
      { cookies: planted },
    )
    expect(bodyOf(await invoke(options, whoami, { cookies: planted }))).toEqual({
      isNew: false,
      data: { cart: ['x'] },
      userId: null,
    })
  })

  test('destroy() expires the cookie with the same attributes; a copy kept elsewhere stays valid (documented trade-off)', async () => {
    const options = cookieSessions()
    const sid = sidFrom(await invoke(options, (session) => session.set('cart', ['x'])))
    const logout = await invoke(options, (session) => session.destroy(), { cookies: sid })
    const expired = sessionCookieOf(logout)
    expect(expired).toMatchObject({ name: 'sid', value: '', maxAge: 0, path: '/', httpOnly: true, secure: true })
    expect(expired?.expires?.getTime()).toBe(0)
    // No server state to delete: the old value, replayed, still opens until its own expiry.
    expect(bodyOf(await invoke(options, whoami, { cookies: sid }))).toMatchObject({
      isNew: false,
      data: { cart: ['x'] },
    })
  })

  test('destroy() then regenerate(): a fresh session that shares nothing, not even its age', async () => {
    let now = Date.UTC(2026, 0, 1)
    const options = cookieSessions({ clock: () => now })
    const sid = sidFrom(
      await invoke(options, (session) => {
        session.set('cart', ['x'])
        session.userId = 'old'
      }),
    )
    now += 60_000
    const restarted = await invoke(
      options,
      (session) => {
        session.destroy()
        session.regenerate()
        session.set('fresh', true)
      },
      { cookies: sid },
    )
    const read = await invoke(
      options,
      (session) => ({ ...(whoami(session) as object), createdAt: session.createdAt }),
      {
        cookies: sidFrom(restarted),
      },
    )
    expect(bodyOf(read)).toEqual({ isNew: false, data: { fresh: true }, userId: null, createdAt: now })
  })
})
