import { describe, expect, test } from '@jest/globals'
import { generateSessionId, isSessionId, MAX_SESSION_KEY_LENGTH, Session } from '@lambda-session/core'
import { loadedSession } from './session-record.js'

describe('a new session', () => {
  test('has a fresh id, no data and nothing loaded', () => {
    const session = new Session()
    expect(isSessionId(session.id)).toBe(true)
    expect(session.isNew).toBe(true)
    expect(session.keys()).toEqual([])
    expect(session.createdAt).toBeUndefined()
    expect(session.userId).toBeUndefined()
    expect(session.state).toMatchObject({ loadedId: undefined, loaded: undefined, destroyed: false })
    expect(session.state.changes.size).toBe(0)
  })

  test('is unchanged until the handler does something, so an idle visitor costs no write', () => {
    expect(new Session().isChanged).toBe(false)
    expect(new Session().set('a', 1).isChanged).toBe(true)
    expect(new Session().regenerate().isChanged).toBe(true)
    const withUser = new Session()
    withUser.userId = 'u1'
    expect(withUser.isChanged).toBe(true)
  })

  test('never adopts an id whose record was not found (fixation defence)', () => {
    const offered = generateSessionId()
    const session = new Session(offered)
    expect(session.id).not.toBe(offered)
    expect(session.isNew).toBe(true)
    expect(session.state.loadedId).toBeUndefined()
  })
})

describe('a loaded session', () => {
  test('keeps its id and exposes the record', () => {
    const { id, record } = loadedSession({ cart: [{ sku: 'A1' }] }, { cart: 2 }, 'user-1')
    const session = new Session(id, record)
    expect(session.id).toBe(id)
    expect(session.isNew).toBe(false)
    expect(session.isChanged).toBe(false)
    expect(session.createdAt).toBe(record.createdAt)
    expect(session.userId).toBe('user-1')
    expect(session.get('cart')).toEqual([{ sku: 'A1' }])
    expect(session.state.loadedId).toBe(id)
    expect(session.state.loaded).toBe(record)
  })

  test('takes over the record it is given (each load is a fresh record), while toJSON() hands out a copy', () => {
    const { id, record } = loadedSession({ profile: { name: 'Ada' } })
    const session = new Session(id, record)
    expect(session.get('profile')).toBe(record.data.profile)
    const copy = session.toJSON()
    ;(copy.profile as { name: string }).name = 'Changed'
    expect(session.get('profile')).toEqual({ name: 'Ada' })
  })
})

describe('get / set / has / delete', () => {
  test('round-trips values and reports keys', () => {
    const session = new Session()
    expect(session.set('a', 1)).toBe(session)
    session.set('b', { nested: [true, null, 'x'] })
    expect(session.get('a')).toBe(1)
    expect(session.get('b')).toEqual({ nested: [true, null, 'x'] })
    expect(session.has('a')).toBe(true)
    expect(session.has('missing')).toBe(false)
    expect(session.get('missing')).toBeUndefined()
    expect(session.keys()).toEqual(['a', 'b'])
    expect(session.delete('a')).toBe(session)
    expect(session.has('a')).toBe(false)
    expect(session.keys()).toEqual(['b'])
  })

  test('values go through JSON, as they would after a reload', () => {
    const session = new Session()
    const when = new Date('2025-01-02T03:04:05.678Z')
    session.set('when', when)
    session.set('obj', { keep: 1, drop: undefined, at: when })
    session.set('list', [1, undefined, Number.NaN])
    session.set('map', new Map([['k', 'v']]))
    expect(session.get('when')).toBe('2025-01-02T03:04:05.678Z')
    expect(session.get('obj')).toEqual({ keep: 1, at: '2025-01-02T03:04:05.678Z' })
    expect(Object.keys(session.get<object>('obj') ?? {})).toEqual(['keep', 'at'])
    expect(session.get('list')).toEqual([1, null, null])
    expect(session.get('map')).toEqual({})
  })

  test('a stored object is a copy of what was passed', () => {
    const session = new Session()
    const cart = { items: ['a'] }
    session.set('cart', cart)
    cart.items.push('b')
    expect(session.get('cart')).toEqual({ items: ['a'] })
  })

  test('toJSON returns a copy of all data', () => {
    const session = new Session().set('a', { n: 1 })
    const copy = session.toJSON()
    expect(copy).toEqual({ a: { n: 1 } })
    ;(copy.a as { n: number }).n = 2
    expect(session.get('a')).toEqual({ n: 1 })
  })

  test('set(key, undefined) deletes the key', () => {
    const { id, record } = loadedSession({ a: 1 }, { a: 4 })
    const session = new Session(id, record)
    session.set('a', undefined)
    expect(session.has('a')).toBe(false)
    expect(session.state.changes.get('a')).toEqual({ kind: 'delete', key: 'a', expectedVersion: 4 })
  })

  test.each([
    ['a function', () => 1, /functions and symbols can't be stored/],
    ['a symbol', Symbol('s'), /functions and symbols can't be stored/],
    ['a bigint', 10n, /can't be stored as JSON/],
  ])('rejects %s with a TypeError naming the key', (_, value, message) => {
    const session = new Session()
    expect(() => session.set('k', value)).toThrow(TypeError)
    expect(() => session.set('k', value)).toThrow(message)
    expect(() => session.set('k', value)).toThrow(/session\.set\('k'\)/)
    expect(session.has('k')).toBe(false)
    expect(session.state.changes.size).toBe(0)
  })

  test('rejects circular values', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(() => new Session().set('c', circular)).toThrow(/can't be stored as JSON/)
  })

  test.each([
    ['empty', ''],
    ['too long', 'k'.repeat(MAX_SESSION_KEY_LENGTH + 1)],
    ['not a string', 7 as unknown as string],
  ])('rejects a key that is %s in every method', (_, key) => {
    const session = new Session()
    const pattern = /Session keys must be non-empty strings of at most 255 characters/
    expect(() => session.set(key, 1)).toThrow(pattern)
    expect(() => session.delete(key)).toThrow(pattern)
    expect(() => session.increment(key)).toThrow(pattern)
    expect(() => session.append(key, 1)).toThrow(pattern)
  })

  test('accepts a key of exactly the maximum length', () => {
    const key = 'k'.repeat(MAX_SESSION_KEY_LENGTH)
    expect(new Session().set(key, 1).get(key)).toBe(1)
  })
})

describe('userId', () => {
  test('assigning it marks the change; clearing it is allowed', () => {
    const { id, record } = loadedSession({}, {}, 'old-user')
    const session = new Session(id, record)
    session.userId = 'new-user'
    expect(session.userId).toBe('new-user')
    expect(session.state.userIdChanged).toBe(true)
    expect(session.isChanged).toBe(true)
    session.userId = undefined
    expect(session.userId).toBeUndefined()
  })

  test.each([[''], [42]])('rejects %j', (value) => {
    const session = new Session()
    expect(() => {
      session.userId = value as string
    }).toThrow(/userId must be a non-empty string or undefined/)
    expect(session.state.userIdChanged).toBe(false)
  })
})

describe('regenerate and destroy', () => {
  test('regenerate gives a new id and keeps the data', () => {
    const { id, record } = loadedSession({ cart: ['a'] })
    const session = new Session(id, record)
    session.regenerate()
    expect(session.id).not.toBe(id)
    expect(isSessionId(session.id)).toBe(true)
    expect(session.get('cart')).toEqual(['a'])
    expect(session.state.loadedId).toBe(id)
    expect(session.isChanged).toBe(true)
    expect(session.state.destroyed).toBe(false)
  })

  test('destroy clears data, pending changes and the user', () => {
    const { id, record } = loadedSession({ a: 1 }, {}, 'user-1')
    const session = new Session(id, record)
    session.set('b', 2)
    session.destroy()
    expect(session.keys()).toEqual([])
    expect(session.get('a')).toBeUndefined()
    expect(session.userId).toBeUndefined()
    expect(session.state.changes.size).toBe(0)
    expect(session.state.destroyed).toBe(true)
    expect(session.isChanged).toBe(true)
    expect(session.id).toBe(id)
  })

  test('regenerate after destroy starts a fresh, empty session', () => {
    const { id, record } = loadedSession({ a: 1 })
    const session = new Session(id, record)
    session.destroy().regenerate()
    expect(session.state.destroyed).toBe(false)
    expect(session.id).not.toBe(id)
    expect(session.keys()).toEqual([])
  })
})
