import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { DynamoDBSessionStore, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { sessionLoader } from '@lambda-session/session-loader'
import {
  buildHttpEvent,
  createLambdaContext,
  createLocalDynamoDBClient,
  type DynamoDBCallCounter,
  trackDynamoDBCalls,
} from '@lambda-session/testing'

const SECRET = 'fuzz-secret-0123456789abcdefghijklmnopq'
const SHAPES = ['rest-api-v1', 'http-api-v2', 'alb', 'alb-multi-value', 'function-url'] as const
let client: ReturnType<typeof createLocalDynamoDBClient>
let calls: DynamoDBCallCounter
let loader: ReturnType<typeof sessionLoader>

beforeAll(async () => {
  client = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
  const tableName = `fuzz-${randomBytes(4).toString('hex')}`
  await ensureSessionTable({ client, tableName })
  calls = trackDynamoDBCalls(client)
  loader = sessionLoader({ store: new DynamoDBSessionStore({ client, tableName }), secrets: [SECRET] })
})
afterAll(() => client.destroy())

/** Random text biased toward the characters that break cookie and signature parsers. */
function randomCookieText(length: number): string {
  const alphabet = 'sid=.;, %"\\\u0000\u00ff\ud800aZ09-_=+/'
  let out = ''
  const bytes = randomBytes(length)
  for (const byte of bytes) out += byte % 3 === 0 ? String.fromCharCode(byte) : alphabet[byte % alphabet.length]
  return out
}

test('2000 random cookies in every shape: never throws, always a fresh session, no store read for unsigned input', async () => {
  for (let i = 0; i < 2000; i++) {
    const shape = SHAPES[i % SHAPES.length] as (typeof SHAPES)[number]
    const raw = randomCookieText(1 + (i % 300))
    const cookies = i % 2 === 0 ? [`sid=${raw}`] : [raw]
    const request = {
      event: buildHttpEvent(shape, { cookies }),
      context: createLambdaContext() as object & { session?: import('@lambda-session/core').Session },
      response: undefined,
    }
    await loader.before(request)
    expect(request.context.session?.isNew).toBe(true)
  }
  expect(calls.total()).toBe(0)
})
