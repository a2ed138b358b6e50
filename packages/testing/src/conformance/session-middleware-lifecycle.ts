import { SessionRequiredError } from '@lambda-session/core'
import { EventShapes } from '../event-fixtures.js'
import { jestApi } from './jest-api.js'
import { CookieJar, exchange } from './session-middleware-harness.js'
import { describeSession, type SessionMiddlewareSuite } from './session-middleware-suite.js'

/** A cookie value with one character changed a third of the way in (inside an id, an IV or a ciphertext). */
function tampered(value: string): string {
  const at = Math.floor(value.length / 3)
  return `${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`
}

/** Round trips, every event shape, bad cookies, regenerate, destroy, rotation. */
export function registerSessionLifecycleTests(suite: SessionMiddlewareSuite): void {
  const { describe, test, expect } = jestApi()
  const { timeoutMs } = suite

  /** A browser holding a session with `data`. */
  async function browserWith(data: Record<string, unknown>, options = suite.options()): Promise<CookieJar> {
    const jar = new CookieJar()
    await exchange(options, jar, (session) => {
      for (const [key, value] of Object.entries(data)) session.set(key, value)
    })
    expect(jar.value('sid')).toBeTruthy()
    return jar
  }

  describe('round trips', () => {
    test.each(EventShapes)(
      'a session set in one request is read back through its cookie (%s)',
      async (shape) => {
        const options = suite.options()
        const jar = new CookieJar()
        const first = await exchange(options, jar, (session) => session.set('color', 'blue').increment('n'), shape)
        expect(first.error).toBeUndefined()
        expect(first.setCookies.filter((line) => line.startsWith('sid='))).toHaveLength(1)
        const second = await exchange(options, jar, describeSession, shape)
        expect(second.body).toEqual({ isNew: false, data: { color: 'blue', n: 1 }, userId: null })
      },
      timeoutMs,
    )

    test(
      'no cookie and nothing stored: a fresh, unsaved session and no Set-Cookie',
      async () => {
        const jar = new CookieJar()
        const response = await exchange(suite.options(), jar, describeSession)
        expect(response).toEqual({ body: { isNew: true, data: {}, userId: null }, setCookies: [] })
      },
      timeoutMs,
    )

    test(
      'a request that changes nothing sends no Set-Cookie',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ a: 1 }, options)
        const read = await exchange(options, jar, (session) => session.get('a'))
        expect(read).toEqual({ body: 1, setCookies: [] })
      },
      timeoutMs,
    )

    test(
      'set, delete, increment, append and userId persist from request to request',
      async () => {
        const options = suite.options()
        const jar = new CookieJar()
        await exchange(options, jar, (session) => {
          session.set('a', 1).set('b', { x: [1] })
          session.increment('n', 2)
          session.append('list', 'x')
          session.userId = 'user-1'
        })
        await exchange(options, jar, (session) => {
          session.delete('a')
          session.increment('n')
          session.append('list', 'y', 'z')
        })
        const read = await exchange(options, jar, describeSession)
        expect(read.body).toEqual({
          isNew: false,
          data: { b: { x: [1] }, n: 3, list: ['x', 'y', 'z'] },
          userId: 'user-1',
        })
        await exchange(options, jar, (session) => {
          session.userId = undefined
        })
        expect((await exchange(options, jar, describeSession)).body).toMatchObject({ isNew: false, userId: null })
      },
      timeoutMs,
    )
  })

  describe('a bad cookie is "no session", or a 401 where one is required', () => {
    const hostile: Array<[string, (valid: string) => string | Promise<string>]> = [
      ['tampered with', tampered],
      ['truncated', (valid) => valid.slice(0, -4)],
      ['extended', (valid) => `${valid}AAAA`],
      ['empty', () => ''],
      ['garbage', () => '%%%garbage==..'],
      [
        'issued under a secret not in the ring',
        async () => {
          const jar = await browserWith({ owner: 'mallory' }, suite.options({ secrets: [suite.otherSecret] }))
          return jar.value('sid') as string
        },
      ],
    ]

    test.each(hostile)(
      'a cookie %s',
      async (_label, make) => {
        const options = suite.options()
        const valid = (await browserWith({ owner: 'alice' }, options)).value('sid') as string
        const jar = new CookieJar().put('sid', await make(valid))
        const response = await exchange(options, jar, describeSession)
        expect(response).toEqual({ body: { isNew: true, data: {}, userId: null }, setCookies: [] })
        const required = await exchange(suite.options({ required: true }), jar, describeSession)
        expect(required.error).toBeInstanceOf(SessionRequiredError)
        expect((required.error as SessionRequiredError).statusCode).toBe(401)
      },
      timeoutMs,
    )

    test(
      'a valid cookie passes where a session is required',
      async () => {
        const jar = await browserWith({ owner: 'alice' })
        const required = await exchange(suite.options({ required: true }), jar, (session) => session.get('owner'))
        expect(required.body).toBe('alice')
      },
      timeoutMs,
    )
  })

  describe('secret rotation', () => {
    test(
      'a cookie issued under the old secret loads while it is in the ring, and not once it is removed',
      async () => {
        const [secret] = suite.options().secrets as [string]
        const jar = await browserWith({ owner: 'bob' }, suite.options({ secrets: [suite.otherSecret] }))
        const during = await exchange(
          suite.options({ secrets: [secret, suite.otherSecret] }),
          jar.copy(),
          describeSession,
        )
        expect(during.body).toMatchObject({ isNew: false, data: { owner: 'bob' } })
        const after = await exchange(suite.options({ secrets: [secret] }), jar.copy(), describeSession)
        expect(after.body).toMatchObject({ isNew: true, data: {} })
      },
      timeoutMs,
    )
  })

  describe('regenerate and destroy', () => {
    test(
      'regenerate() sends a new cookie and keeps the data, the owner and the age',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ cart: ['sku-1'] }, options)
        const before = jar.value('sid')
        const createdAt = (await exchange(options, jar, (session) => session.createdAt)).body
        const login = await exchange(options, jar, (session) => {
          session.regenerate()
          session.userId = 'user-1'
        })
        expect(login.setCookies.some((line) => line.startsWith('sid='))).toBe(true)
        expect(jar.value('sid')).not.toBe(before)
        const after = await exchange(options, jar, (session) => ({
          ...describeSession(session),
          createdAt: session.createdAt,
        }))
        expect(after.body).toEqual({ isNew: false, data: { cart: ['sku-1'] }, userId: 'user-1', createdAt })
      },
      timeoutMs,
    )

    test(
      "destroy() expires the cookie, and the browser's next request has no session",
      async () => {
        const options = suite.options()
        const jar = await browserWith({ cart: ['x'] }, options)
        const logout = await exchange(options, jar, (session) => session.destroy())
        const expired = logout.setCookies.find((line) => line.startsWith('sid='))
        expect(expired).toMatch(/^sid=;/)
        expect(expired).toMatch(/Max-Age=0/i)
        expect(jar.value('sid')).toBeUndefined()
        expect((await exchange(options, jar, describeSession)).body).toEqual({ isNew: true, data: {}, userId: null })
      },
      timeoutMs,
    )

    test(
      'destroy() then regenerate() starts a fresh session that shares nothing with the old one',
      async () => {
        const options = suite.options()
        const jar = await browserWith({ cart: ['x'] }, options)
        await exchange(options, jar, (session) => {
          session.userId = 'old-user'
        })
        await exchange(options, jar, (session) => {
          session.destroy()
          session.regenerate()
          session.set('fresh', true)
        })
        expect((await exchange(options, jar, describeSession)).body).toEqual({
          isNew: false,
          data: { fresh: true },
          userId: null,
        })
      },
      timeoutMs,
    )
  })
}
