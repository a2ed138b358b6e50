import { randomBytes, randomUUID } from 'node:crypto'
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import type { HttpResponse, IdempotencyStore, Session, SessionOptions } from '@lambda-session/core'
import {
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
} from '@lambda-session/dynamodb-store'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { buildHttpEvent, createLambdaContext, createLocalDynamoDBClient } from '@lambda-session/testing'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { parseSetCookie } from 'cookie'
import { pendingTimers, type RecordingLogger, recordingLogger, sleep } from './watchdog-harness.js'

// Roomier than the unit tests' 600/200: every request here makes real
// DynamoDB Local round trips, in a JVM shared with other test files, and the
// guard's release (a DeleteItem on a fresh table) takes 25-50 ms here.
const TIMEOUT_MS = 3000 // wide, so a loaded machine's slow store calls never decide an outcome
const MARGIN_MS = 1000
const HOOKS_BUDGET_MS = 600

let client: DynamoDBClient
let sessionTable: string
let idempotencyTable: string
let idemStore: DynamoDBIdempotencyStore
let logger: RecordingLogger
let sessions: SessionOptions

beforeAll(async () => {
  client = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
  await createTables()
  // The first call of each kind costs hundreds of ms here (SDK set-up, the
  // JVM compiling DynamoDB Local's code paths): pay it before any deadline.
  const warmUp = checkout(async () => ({ statusCode: 200 }))
  const sid = sidOf((await post(warmUp, { key: randomUUID() }, 10_000)).response)
  await post(warmUp, { key: randomUUID(), sid }, 10_000)
  await idemStore.release('warm-up', 'warm-up').catch(() => {})
})
afterAll(() => client.destroy())

// Tables of its own per test, so "nothing was written" means exactly that.
async function createTables(): Promise<void> {
  const suffix = randomBytes(4).toString('hex')
  sessionTable = `watchdog-sessions-${suffix}`
  idempotencyTable = `watchdog-idem-${suffix}`
  await ensureSessionTable({ client, tableName: sessionTable })
  await ensureIdempotencyTable({ client, tableName: idempotencyTable })
  idemStore = new DynamoDBIdempotencyStore({ client, tableName: idempotencyTable })
  logger = recordingLogger()
  sessions = {
    store: new DynamoDBSessionStore({ client, tableName: sessionTable }),
    secrets: ['watchdog-test-secret-0123456789abcdef'],
    logger,
  }
}
beforeEach(createTables)

async function items(tableName: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))
  return Items.map((item) => unmarshall(item))
}

/** The `cart` of every stored session. */
async function storedCarts(): Promise<unknown[]> {
  return (await items(sessionTable)).map((item) => (item.data as { cart?: unknown } | undefined)?.cart)
}

type App = (event: unknown, context: { session: Session }) => Promise<unknown>

/** The documented composition, with every middleware logging to the same recording logger. */
function checkout(app: App, store: IdempotencyStore = idemStore) {
  return middy(app as never, { executionMode: executionModeTimeoutWatchdog })
    .use(
      timeoutWatchdog({
        marginMs: MARGIN_MS,
        hooksBudgetMs: HOOKS_BUDGET_MS,
        logger,
        onTimeout: () => logger.info('progress saved', { event: 'progress-saved' }),
      }),
    )
    .use(httpCookieParser())
    .use(sessionLoader(sessions))
    .use(idempotencyGuard({ store, logger }))
    .use(sessionSaver(sessions))
    .use(httpErrorHandler({ logger: false }))
}

async function post(
  handler: ReturnType<typeof checkout>,
  { key, sid }: { key: string; sid?: string },
  timeoutMs = TIMEOUT_MS,
): Promise<{ response: HttpResponse; ms: number }> {
  const event = buildHttpEvent('http-api-v2', {
    method: 'POST',
    path: '/checkout',
    body: { sku: 'A1' },
    headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
    cookies: sid ? { sid } : {},
  })
  const started = performance.now()
  const response = (await handler(event as never, createLambdaContext({ timeoutMs }) as never)) as HttpResponse
  return { response, ms: performance.now() - started }
}

const sidOf = (response: HttpResponse) =>
  (response.cookies ?? []).map((raw) => parseSetCookie(raw)).find((cookie) => cookie.name === 'sid')?.value

/** An app that puts `sku` in the cart, then (while `slow.on`) keeps working past the deadline, ignoring the signal. */
function cartApp(slow: { on: boolean }) {
  const app = async (_event: unknown, context: { session: Session }) => {
    app.runs++
    context.session.set('cart', [...((context.session.get('cart') as string[]) ?? []), `item-${app.runs}`])
    if (slow.on) await sleep(TIMEOUT_MS)
    return { statusCode: 201, body: JSON.stringify({ order: app.runs }) }
  }
  app.runs = 0
  return app
}

describe('a checkout that overruns, checked in DynamoDB Local', () => {
  test('503 within the margin; hooks in order; no session written, lock released; a retry runs the handler', async () => {
    const slow = { on: true }
    const app = cartApp(slow)
    const handler = checkout(app)
    const key = randomUUID()

    const { response, ms } = await post(handler, { key })
    expect(response.statusCode).toBe(503)
    expect(response.headers?.['Retry-After']).toBe('1')
    expect(sidOf(response)).toBeUndefined()
    expect(ms).toBeLessThan(TIMEOUT_MS)
    // The saver's hook, then the guard's (last registered first), then the user's onTimeout.
    const order = logger.events().filter((e) => ['session-discarded', 'released', 'progress-saved'].includes(e))
    expect(order).toEqual(['session-discarded', 'released', 'progress-saved'])
    expect(logger.entries.find((e) => e.details.event === 'released')?.details).toMatchObject({ why: 'timeout' })
    expect(await items(idempotencyTable)).toEqual([])

    // The abandoned handler finishes later; its after chain must write nothing.
    await logger.waitFor('abandoned-settled')
    expect(app.runs).toBe(1)
    expect(await items(sessionTable)).toEqual([])
    expect(await items(idempotencyTable)).toEqual([])

    // The client retries with the same key: the handler runs and its answer is stored.
    slow.on = false
    const retry = await post(handler, { key })
    expect(retry.response.statusCode).toBe(201)
    expect(app.runs).toBe(2)
    expect(await items(idempotencyTable)).toEqual([expect.objectContaining({ status: 'COMPLETED' })])
    expect(await storedCarts()).toEqual([['item-2']])
    const replay = await post(handler, { key })
    expect(replay.response.headers?.['Idempotent-Replayed']).toBe('true')
    expect(app.runs).toBe(2)
    expect(pendingTimers()).toEqual([])
  })

  test('an existing session keeps its stored state: the timed-out request’s late write is refused', async () => {
    const slow = { on: false }
    const app = cartApp(slow)
    const handler = checkout(app)
    const first = await post(handler, { key: randomUUID() })
    const sid = sidOf(first.response) as string
    expect(first.response.statusCode).toBe(201)
    const before = await items(sessionTable)
    expect(before).toHaveLength(1)
    expect(await storedCarts()).toEqual([['item-1']])

    slow.on = true
    const { response } = await post(handler, { key: randomUUID(), sid })
    expect(response.statusCode).toBe(503)
    await logger.waitFor('abandoned-settled')
    expect(app.runs).toBe(2)
    expect(await items(sessionTable)).toEqual(before) // not even a touch
    expect(pendingTimers()).toEqual([])
  })

  test('a slow store call in before is covered: the late lock is released at once and the handler never runs', async () => {
    const app = cartApp({ on: false })
    const slowStore: IdempotencyStore = {
      acquire: async (record, now) => {
        await sleep(TIMEOUT_MS - MARGIN_MS + 50) // the acquire answers after the watchdog fired
        return idemStore.acquire(record, now)
      },
      complete: (...args) => idemStore.complete(...args),
      release: (...args) => idemStore.release(...args),
    }
    const { response, ms } = await post(checkout(app, slowStore), { key: randomUUID() })
    expect(response.statusCode).toBe(503)
    expect(ms).toBeLessThan(TIMEOUT_MS)
    await logger.waitFor('abandoned-settled')
    expect(app.runs).toBe(0)
    expect(logger.entries.find((e) => e.details.event === 'released')?.details).toMatchObject({ why: 'timeout' })
    expect(await items(idempotencyTable)).toEqual([])
    expect(await items(sessionTable)).toEqual([])
    expect(pendingTimers()).toEqual([])
  })

  test('a checkout that finishes in time is untouched: answer, session and record all stored', async () => {
    const app = async (_event: unknown, context: { session: Session }) => {
      context.session.set('cart', ['in-time'])
      await sleep(100)
      return { statusCode: 201, body: '{}' }
    }
    const key = randomUUID()
    const { response } = await post(checkout(app), { key })
    expect(response.statusCode).toBe(201)
    expect(sidOf(response)).toBeTruthy()
    expect(await storedCarts()).toEqual([['in-time']])
    expect(await items(idempotencyTable)).toEqual([expect.objectContaining({ status: 'COMPLETED' })])
    expect(logger.events()).not.toContain('timed-out')
    expect(pendingTimers()).toEqual([])
  })
})
