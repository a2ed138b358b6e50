import { describe, expect, test } from '@jest/globals'
import { compileSessionUpdate } from '../src/session-update-expression.js'

describe('compileSessionUpdate', () => {
  test('never splices a session key into the expression text', () => {
    const key = 'evil) OR attribute_exists(pk'
    const compiled = compileSessionUpdate({
      changes: [
        { kind: 'set', key, value: 1, expectedVersion: 2 },
        { kind: 'increment', key: `${key}2`, by: 1 },
      ],
    })
    expect(compiled?.UpdateExpression).not.toContain('evil')
    expect(compiled?.ConditionExpression).not.toContain('evil')
    expect(Object.values(compiled?.ExpressionAttributeNames ?? {})).toContain(key)
  })

  test('guards set/delete by version and leaves increment/append unguarded', () => {
    const compiled = compileSessionUpdate({
      changes: [
        { kind: 'set', key: 'a', value: 'x', expectedVersion: 0 },
        { kind: 'delete', key: 'b', expectedVersion: 3 },
        { kind: 'increment', key: 'c', by: 2 },
        { kind: 'append', key: 'd', values: [1] },
      ],
    })
    expect(compiled?.ConditionExpression).toBe(
      'attribute_exists(#pk) AND attribute_not_exists(#v.#k0) AND #v.#k1 = :e1',
    )
    expect(compiled?.UpdateExpression).toBe(
      'SET #d.#k0 = :v0, #v.#k0 = :n0, #v.#k1 = :n1, ' +
        '#d.#k2 = if_not_exists(#d.#k2, :zero) + :b2, #v.#k2 = if_not_exists(#v.#k2, :zero) + :one, ' +
        '#d.#k3 = list_append(if_not_exists(#d.#k3, :empty), :a3), #v.#k3 = if_not_exists(#v.#k3, :zero) + :one ' +
        'REMOVE #d.#k1',
    )
    expect(compiled?.guards).toEqual([
      { key: 'a', expectedVersion: 0 },
      { key: 'b', expectedVersion: 3 },
    ])
    expect(compiled?.atomicKeys).toEqual(['c', 'd'])
  })

  test('removing the user alone sends no value map (DynamoDB rejects an empty one)', () => {
    const compiled = compileSessionUpdate({ changes: [], userId: null })
    expect(compiled?.UpdateExpression).toBe('REMOVE #u')
    expect(compiled?.ExpressionAttributeValues).toBeUndefined()
    expect(compiled?.ExpressionAttributeNames).toEqual({ '#pk': 'pk', '#u': 'userId' })
  })

  test('nothing to do compiles to undefined', () => {
    expect(compileSessionUpdate({ changes: [] })).toBeUndefined()
    expect(compileSessionUpdate({ changes: [{ kind: 'append', key: 'x', values: [] }] })).toBeUndefined()
  })

  test.each([
    [{ changes: [{ kind: 'set' as const, key: '', value: 1, expectedVersion: 0 }] }],
    [{ changes: [{ kind: 'set' as const, key: 'a', value: 1, expectedVersion: -1 }] }],
    [{ changes: [{ kind: 'increment' as const, key: 'a', by: Number.NaN }] }],
    [{ changes: [], userId: '' }],
  ])('refuses invalid input %j with a TypeError', (update) => {
    expect(() => compileSessionUpdate(update)).toThrow(TypeError)
  })
})
