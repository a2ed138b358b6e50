import { describe, expect, test } from '@jest/globals'
import { type KeyChange, Session } from '@lambda-session/core'
import { loadedSession } from './session-record.js'

const changesOf = (session: Session): KeyChange[] => [...session.state.changes.values()]

describe('state.changes: one entry per key, guarded by the loaded version', () => {
  test('set and delete carry the key’s loaded version (0 for a key never stored)', () => {
    const { id, record } = loadedSession({ a: 1, b: 2 }, { a: 3, b: 7 })
    const session = new Session(id, record)
    session.set('a', 10).delete('b').set('fresh', true)
    expect(changesOf(session)).toEqual([
      { kind: 'set', key: 'a', value: 10, expectedVersion: 3 },
      { kind: 'delete', key: 'b', expectedVersion: 7 },
      { kind: 'set', key: 'fresh', value: true, expectedVersion: 0 },
    ])
  })

  test('the last write to a key wins, as one change', () => {
    const { id, record } = loadedSession({ a: 1 }, { a: 2 })
    const session = new Session(id, record)
    session.set('a', 'x').set('a', 'y')
    expect(changesOf(session)).toEqual([{ kind: 'set', key: 'a', value: 'y', expectedVersion: 2 }])
    session.delete('a')
    expect(changesOf(session)).toEqual([{ kind: 'delete', key: 'a', expectedVersion: 2 }])
  })

  test('the stored value is the JSON-normalised one', () => {
    const session = new Session().set('when', new Date(0))
    expect(changesOf(session)).toEqual([
      { kind: 'set', key: 'when', value: '1970-01-01T00:00:00.000Z', expectedVersion: 0 },
    ])
  })

  test('reading never records a change', () => {
    const { id, record } = loadedSession({ a: 1 })
    const session = new Session(id, record)
    session.get('a')
    session.has('a')
    session.keys()
    session.toJSON()
    expect(session.state.changes.size).toBe(0)
    expect(session.isChanged).toBe(false)
  })
})

describe('increment', () => {
  test('counts a missing key from 0 and records an atomic, unversioned add', () => {
    const session = new Session()
    expect(session.increment('views')).toBe(1)
    expect(session.increment('views', 4)).toBe(5)
    expect(session.get('views')).toBe(5)
    expect(changesOf(session)).toEqual([{ kind: 'increment', key: 'views', by: 5 }])
  })

  test('adds to a loaded number; the change holds only the amount', () => {
    const { id, record } = loadedSession({ n: 10 }, { n: 9 })
    const session = new Session(id, record)
    expect(session.increment('n', -3)).toBe(7)
    expect(changesOf(session)).toEqual([{ kind: 'increment', key: 'n', by: -3 }])
  })

  test('after a set or delete of the same key it becomes a versioned set of the result', () => {
    const { id, record } = loadedSession({ n: 10, m: 1 }, { n: 2, m: 5 })
    const session = new Session(id, record)
    session.set('n', 100)
    expect(session.increment('n', 5)).toBe(105)
    session.delete('m')
    expect(session.increment('m')).toBe(1)
    expect(changesOf(session)).toEqual([
      { kind: 'set', key: 'n', value: 105, expectedVersion: 2 },
      { kind: 'set', key: 'm', value: 1, expectedVersion: 5 },
    ])
  })

  test('a set after it replaces the increment', () => {
    const { id, record } = loadedSession({ n: 1 }, { n: 4 })
    const session = new Session(id, record)
    session.increment('n')
    session.set('n', 0)
    expect(changesOf(session)).toEqual([{ kind: 'set', key: 'n', value: 0, expectedVersion: 4 }])
  })

  test('rejects a non-number value and a non-finite amount, recording nothing', () => {
    const { id, record } = loadedSession({ s: 'text' })
    const session = new Session(id, record)
    expect(() => session.increment('s')).toThrow(/session\.increment\('s'\): the value is not a number/)
    expect(() => session.increment('n', Number.NaN)).toThrow(/the amount must be a finite number/)
    expect(() => session.increment('n', Number.POSITIVE_INFINITY)).toThrow(TypeError)
    expect(session.get('s')).toBe('text')
    expect(session.has('n')).toBe(false)
    expect(session.state.changes.size).toBe(0)
  })
})

describe('append', () => {
  test('starts a missing list and records an atomic append of JSON values', () => {
    const session = new Session()
    expect(session.append('cart', { sku: 'A1' }, new Date(0))).toEqual([{ sku: 'A1' }, '1970-01-01T00:00:00.000Z'])
    expect(session.append('cart', undefined)).toEqual([{ sku: 'A1' }, '1970-01-01T00:00:00.000Z', null])
    expect(changesOf(session)).toEqual([
      { kind: 'append', key: 'cart', values: [{ sku: 'A1' }, '1970-01-01T00:00:00.000Z', null] },
    ])
  })

  test('appends to a loaded list; the change holds only the new values', () => {
    const { id, record } = loadedSession({ cart: ['a'] }, { cart: 3 })
    const session = new Session(id, record)
    expect(session.append('cart', 'b', 'c')).toEqual(['a', 'b', 'c'])
    expect(session.get('cart')).toEqual(['a', 'b', 'c'])
    expect(changesOf(session)).toEqual([{ kind: 'append', key: 'cart', values: ['b', 'c'] }])
  })

  test('after a set of the same key it becomes a versioned set of the whole list', () => {
    const { id, record } = loadedSession({ cart: ['a'] }, { cart: 3 })
    const session = new Session(id, record)
    session.set('cart', ['x'])
    expect(session.append('cart', 'y')).toEqual(['x', 'y'])
    expect(changesOf(session)).toEqual([{ kind: 'set', key: 'cart', value: ['x', 'y'], expectedVersion: 3 }])
  })

  test('rejects a value that is not a list, recording nothing', () => {
    const { id, record } = loadedSession({ n: 1 })
    const session = new Session(id, record)
    expect(() => session.append('n', 2)).toThrow(/session\.append\('n'\): the value is not a list/)
    expect(() => session.append('fn', () => 1)).toThrow(/functions and symbols can't be stored/)
    expect(session.get('n')).toBe(1)
    expect(session.has('fn')).toBe(false)
    expect(session.state.changes.size).toBe(0)
  })

  test('increment and append on one key conflict by type', () => {
    const session = new Session()
    session.append('k', 1)
    expect(() => session.increment('k')).toThrow(/not a number/)
    session.increment('n')
    expect(() => session.append('n', 1)).toThrow(/not a list/)
    expect(changesOf(session)).toEqual([
      { kind: 'append', key: 'k', values: [1] },
      { kind: 'increment', key: 'n', by: 1 },
    ])
  })
})
