import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { SessionOptions } from '@lambda-session/core'
import {
  createTestbed,
  invoke,
  SECRET,
  type SessionTestbed,
  sessionCookieOf,
  sessionHandler,
  sidFrom,
} from './harness.js'

let bed: SessionTestbed
let options: SessionOptions

beforeAll(async () => {
  bed = await createTestbed()
  options = { store: bed.store, secrets: [SECRET] }
})
afterAll(() => bed.close())

const owner = () =>
  sessionHandler(options, (s) => ({ isNew: s.isNew, user: s.userId ?? null, cart: s.get('cart') ?? null }))
const body = (response: { body?: string }) => JSON.parse(response.body as string)

describe('regenerate() defeats fixation', () => {
  test('login regenerates: new id, data kept, old cookie no longer loads, one write', async () => {
    const anon = sidFrom(await invoke(sessionHandler(options, (s) => s.append('cart', 'sku-1'))))
    bed.calls.reset()
    const login = await invoke(
      sessionHandler(options, (s) => {
        s.regenerate()
        s.userId = 'user-1'
      }),
      { cookies: anon },
    )
    expect(bed.calls.counts).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 1 })
    const fresh = sidFrom(login)
    expect(fresh.sid).not.toBe(anon.sid)
    expect(body(await invoke(owner(), { cookies: fresh }))).toEqual({ isNew: false, user: 'user-1', cart: ['sku-1'] })
    expect(body(await invoke(owner(), { cookies: anon }))).toEqual({ isNew: true, user: null, cart: null })
  })

  test('a new session that regenerates before its first save just gets one id', async () => {
    bed.calls.reset()
    const response = await invoke(
      sessionHandler(options, (s) => {
        s.set('a', 1)
        s.regenerate()
      }),
    )
    expect(bed.calls.counts).toEqual({ PutItemCommand: 1 })
    expect(body(await invoke(owner(), { cookies: sidFrom(response) })).isNew).toBe(false)
  })
})

describe('destroy()', () => {
  test('deletes the item and expires the cookie with the same attributes', async () => {
    const sid = sidFrom(await invoke(sessionHandler(options, (s) => s.set('cart', ['x']))))
    const logout = await invoke(
      sessionHandler(options, (s) => s.destroy()),
      { cookies: sid },
    )
    const cookie = sessionCookieOf(logout)
    expect(cookie).toMatchObject({ name: 'sid', value: '', maxAge: 0, path: '/', httpOnly: true, secure: true })
    expect(cookie?.expires?.getTime()).toBe(0)
    expect(body(await invoke(owner(), { cookies: sid }))).toEqual({ isNew: true, user: null, cart: null })
  })

  test('destroy() then regenerate() starts a fresh session and retires the old one', async () => {
    const sid = sidFrom(await invoke(sessionHandler(options, (s) => s.set('cart', ['x']))))
    const response = await invoke(
      sessionHandler(options, (s) => {
        s.destroy()
        s.regenerate()
        s.set('fresh', true)
      }),
      { cookies: sid },
    )
    const next = sidFrom(response)
    expect(next.sid).not.toBe(sid.sid)
    expect(
      body(
        await invoke(
          sessionHandler(options, (s) => s.toJSON()),
          { cookies: next },
        ),
      ),
    ).toEqual({ fresh: true })
    expect(body(await invoke(owner(), { cookies: sid })).isNew).toBe(true)
  })
})

describe('the absolute lifetime', () => {
  test('regenerate() keeps the session age; destroy() then regenerate() starts a new one', async () => {
    let now = Date.UTC(2026, 3, 1)
    const timed: SessionOptions = { ...options, clock: () => now }
    const age = () => sessionHandler(timed, (s) => s.createdAt ?? null)
    const first = sidFrom(await invoke(sessionHandler(timed, (s) => s.set('a', 1))))
    const createdAt = now
    now += 60_000
    const kept = sidFrom(
      await invoke(
        sessionHandler(timed, (s) => s.regenerate()),
        { cookies: first },
      ),
    )
    expect(body(await invoke(age(), { cookies: kept }))).toBe(createdAt)
    now += 60_000
    const restarted = sidFrom(
      await invoke(
        sessionHandler(timed, (s) => {
          s.destroy()
          s.regenerate()
          s.set('b', 2)
        }),
        { cookies: kept },
      ),
    )
    expect(body(await invoke(age(), { cookies: restarted }))).toBe(now)
  })
})

describe('revoking every session of a user', () => {
  test('destroyUserSessions ends all of one user and none of another', async () => {
    const login = (user: string) =>
      invoke(
        sessionHandler(options, (s) => {
          s.userId = user
        }),
      ).then(sidFrom)
    const [a1, a2, b1] = await Promise.all([login('ann'), login('ann'), login('ben')])
    expect(await bed.store.destroyUserSessions('ann')).toBe(2)
    for (const sid of [a1, a2]) expect(body(await invoke(owner(), { cookies: sid })).isNew).toBe(true)
    expect(body(await invoke(owner(), { cookies: b1 }))).toMatchObject({ isNew: false, user: 'ben' })
  })
})
