import { describe, expect, it } from '@jest/globals'
import { objectSlot } from '@lambda-session/core'

describe('objectSlot', () => {
  it('keeps one value per object, and none for others', () => {
    const slot = objectSlot<string>('test')
    const first = {}
    const second = {}
    slot.set(first, 'a')
    expect(slot.get(first)).toBe('a')
    expect(slot.get(second)).toBeUndefined()
    slot.set(first, 'b')
    expect(slot.get(first)).toBe('b')
  })

  it('stays invisible: not in keys, JSON or a spread copy', () => {
    const slot = objectSlot<number>('test')
    const event = { body: 'x' }
    slot.set(event, 1)
    expect(Object.keys(event)).toEqual(['body'])
    expect(JSON.stringify(event)).toBe('{"body":"x"}')
    // A copy is another event: it must not inherit the memo (its cookies may differ).
    expect(slot.get({ ...event })).toBeUndefined()
  })

  it('is private to its slot: two slots on one object never see each other', () => {
    const one = objectSlot<string>('same description')
    const two = objectSlot<string>('same description')
    const owner = {}
    one.set(owner, 'one')
    expect(two.get(owner)).toBeUndefined()
    two.set(owner, 'two')
    expect(one.get(owner)).toBe('one')
  })

  it('empties on delete', () => {
    const slot = objectSlot<string>('test')
    const owner = {}
    slot.set(owner, 'a')
    slot.delete(owner)
    expect(slot.get(owner)).toBeUndefined()
    slot.set(owner, 'again')
    expect(slot.get(owner)).toBe('again')
  })

  it.each([
    ['frozen', Object.freeze({})],
    ['sealed', Object.seal({})],
    ['non-extensible', Object.preventExtensions({})],
  ])('works the same on a %s object, which cannot take a property', (_kind, owner) => {
    const slot = objectSlot<string>('test')
    expect(() => slot.set(owner, 'a')).not.toThrow()
    expect(slot.get(owner)).toBe('a')
    slot.delete(owner)
    expect(slot.get(owner)).toBeUndefined()
  })
})
