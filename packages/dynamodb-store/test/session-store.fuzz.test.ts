import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { localClient, sessionRecord, uniqueTableName } from './helpers.js'

// Random JSON values and keys (seeded, so a failure replays) must survive a
// round trip through DynamoDB unchanged: the marshalling is where a store
// silently corrupts data if it is going to.
const client = localClient()
const tableName = uniqueTableName('fuzz')
const store = new DynamoDBSessionStore({ client, tableName })

beforeAll(() => ensureSessionTable({ client, tableName }))
afterAll(() => client.destroy())

function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

const ALPHABET = ['a', 'Z', '0', ' ', '.', '#', ':', '[', ']', '"', '\\', 'é', '漢', '🍪', '\n', '$', '-']
const NUMBERS = [0, -1, 1.5, 0.1 + 0.2, 2 ** 53 - 1, -(2 ** 53), 1e21, 1.5e-7, 123_456.789]

function text(next: () => number, max: number): string {
  const length = Math.floor(next() * max)
  return Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('')
}

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 4 : 6))
  if (pick === 0) return text(next, 12)
  if (pick === 1) return NUMBERS[Math.floor(next() * NUMBERS.length)]
  if (pick === 2) return next() < 0.5
  if (pick === 3) return null
  if (pick === 4) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1))
  return Object.fromEntries(
    // DynamoDB has no empty attribute names; the store refuses them (tested elsewhere).
    Array.from({ length: Math.floor(next() * 4) }, () => [text(next, 8) || '_', value(next, depth + 1)]),
  )
}

test('random JSON data and keys round-trip through create, update and load', async () => {
  const next = random(20_240_601)
  for (let round = 0; round < 40; round++) {
    const data = JSON.parse(JSON.stringify(value(next, 0) ?? null))
    const initial = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : { only: data }
    const record = sessionRecord({ data: initial })
    await store.create(record)
    expect(await store.load(record.idHash)).toEqual(record)

    const key = text(next, 10) || 'k'
    const changed = JSON.parse(JSON.stringify(value(next, 1) ?? null))
    const expectedVersion = record.versions[key] ?? 0
    await store.update(record.idHash, { changes: [{ kind: 'set', key, value: changed, expectedVersion }] })
    const loaded = await store.load(record.idHash)
    expect(loaded?.data).toEqual({ ...initial, [key]: changed })
    expect(loaded?.versions[key]).toBe(expectedVersion + 1)
  }
})
