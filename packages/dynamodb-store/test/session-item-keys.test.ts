import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { localClient, sessionRecord, uniqueTableName } from './helpers.js'

const client = localClient()
const tableName = uniqueTableName('keys')
const store = new DynamoDBSessionStore({ client, tableName })

beforeAll(() => ensureSessionTable({ client, tableName }))
afterAll(() => client.destroy())

test('lone UTF-16 surrogates are refused with a TypeError before any request, in keys and in values', async () => {
  await expect(store.create(sessionRecord({ data: { '\ud800': 1 } }))).rejects.toThrow(TypeError)
  await expect(store.create(sessionRecord({ data: { ok: { '\udc00x': 1 } } }))).rejects.toThrow(TypeError)
  await expect(store.create(sessionRecord({ data: { ok: 'a\ud800' } }))).rejects.toThrow(TypeError)
})
