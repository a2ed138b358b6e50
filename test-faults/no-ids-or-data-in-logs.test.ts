import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals'
import { hashSessionId } from '@lambda-session/core'
import { createStoreClient } from '@lambda-session/dynamodb-store'
import { createFaultApp, ensureFaultTables, FAULT_APP_SECRET, faultTables } from './support/fault-app.js'
import { type Invocation, invoke, request, sidFrom } from './support/invoke.js'
import { deepText, recordingLogger } from './support/recording-logger.js'
import { injectLatency, injectThrottling } from './support/sdk-faults.js'

// One logger for every middleware and both stores, plus http-error-handler's
// error logger (as an app with Powertools would wire it: the error object,
// serialised with its cause chain) and the console, across a full request
// cycle: sign-in, writes, a forged cookie, a conflict, a checkout and its
// replay, throttling, a store outage answered 503, a watchdog timeout, an
// oversized session and a sign-out. No line may contain a session id, a
// signed cookie, an id hash, the secret, an idempotency key or session data.
const CARD = 'card-4111-1111-1111-1111-marker'
const USER = 'user-marker-77f1'
const SKU = 'sku-marker-ff09'
const KEY = 'idem-key-marker-3c5a'
const BIG = `big-marker-${'x'.repeat(420_000)}`
const tables = faultTables('logs')
let client: DynamoDBClient

beforeAll(async () => {
  client = createStoreClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  await ensureFaultTables(process.env.DYNAMODB_ENDPOINT as string, tables)
})
afterAll(() => client.destroy())

test('a full request cycle, errors included, logs no session id, cookie, secret, key or session data', async () => {
  const { logger, calls } = recordingLogger()
  const consoleCalls: unknown[][] = []
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleCalls.push(args)
    }),
  )
  const app = createFaultApp({
    client,
    tables,
    logger,
    watchdogMarginMs: 300,
    onError: (error) => logger.error('request failed', { error }),
  })
  const sids = new Set<string>()
  const call = async (invocation: Promise<Invocation>) => {
    const answer = await invocation
    const sid = sidFrom(answer.response)
    if (sid) sids.add(sid)
    return answer
  }
  const statuses: Record<string, number | string> = {}
  try {
    // A visitor adds to the cart (new session), signs in (regenerated id), stores data.
    const anonymous = await call(invoke(app.handler, request('POST', '/cart/items', { body: { sku: SKU } })))
    const login = await call(
      invoke(app.handler, request('POST', '/login', { sid: sidFrom(anonymous.response), body: { userId: USER } })),
    )
    const sid = sidFrom(login.response) as string
    statuses.store = (
      await call(invoke(app.handler, request('POST', '/value', { sid, body: { key: 'card', value: CARD } })))
    ).outcome
    // A forged cookie (the real id, another signature) and a tampered one.
    const [id] = sid.split('.')
    statuses.forged = (
      await call(invoke(app.handler, request('GET', '/whoami', { sid: `${id}.${'A'.repeat(43)}` })))
    ).outcome
    statuses.tampered = (
      await call(invoke(app.handler, request('GET', '/whoami', { sid: `x${sid.slice(1)}` })))
    ).outcome
    // Two requests change the same key at once: one of them conflicts (409).
    const racing = await Promise.all(
      ['a', 'b'].map((suffix) =>
        call(
          invoke(app.handler, request('POST', '/value', { sid, body: { key: 'card', value: `${CARD}-${suffix}` } })),
        ),
      ),
    )
    statuses.conflict = racing.map((answer) => answer.outcome).join('+')
    // A checkout and its replay.
    statuses.checkout = (
      await call(invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: KEY })))
    ).outcome
    statuses.replay = (
      await call(invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: KEY })))
    ).outcome
    // Throttled on every attempt: retries logged, then a 503.
    const throttling = injectThrottling(client, { firstAttemptsOfEachCall: Number.POSITIVE_INFINITY })
    statuses.throttled = (await call(invoke(app.handler, request('GET', '/whoami', { sid })))).outcome
    throttling.stop()
    // The checkout's commit (session write + stored response, one transaction) is slow:
    // the watchdog answers, its hooks release the lock, which fences the commit off.
    const latency = injectLatency(client, 1200, {
      commands: ['TransactWriteItemsCommand'],
      tableName: tables.sessionTable,
    })
    statuses.timedOut = (
      await call(
        invoke(app.handler, request('POST', '/checkout', { sid, idempotencyKey: `${KEY}-2` }), {
          functionTimeoutMs: 1000,
        }),
      )
    ).outcome
    latency.setLatency(0)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    // Too large for DynamoDB: refused before the write.
    statuses.tooLarge = (
      await call(invoke(app.handler, request('POST', '/value', { sid, body: { key: 'big', value: BIG } })))
    ).outcome
    // Sign out, then a late request with the old cookie.
    statuses.logout = (await call(invoke(app.handler, request('POST', '/logout', { sid })))).outcome
    statuses.afterLogout = (await call(invoke(app.handler, request('POST', '/counter', { sid })))).outcome
  } finally {
    for (const spy of spies) spy.mockRestore()
  }

  // The cycle really went through every path it claims to.
  expect(statuses).toEqual({
    store: 200,
    forged: 200,
    tampered: 200,
    conflict: expect.stringMatching(/^(200\+409|409\+200)$/),
    checkout: 200,
    replay: 200,
    throttled: 503,
    timedOut: 503,
    tooLarge: 413,
    logout: 200,
    afterLogout: 200,
  })
  const events = new Set(calls.map((entry) => String(entry.details?.event ?? entry.message)))
  for (const event of ['cookie-rejected', 'session-conflict', 'replayed', 'timed-out', 'session-destroyed']) {
    expect(events).toContain(event)
  }
  expect(calls.some((entry) => entry.message.includes('retrying a DynamoDB call'))).toBe(true)

  const secrets = new Map<string, string>([
    ['the secret', FAULT_APP_SECRET],
    ['session data (card)', CARD],
    ['session data (user id)', USER],
    ['session data (cart)', SKU],
    ['session data (large value)', 'big-marker-'],
    ['an idempotency key', KEY],
  ])
  for (const signed of sids) {
    const sessionId = signed.slice(0, signed.lastIndexOf('.'))
    secrets.set(`a signed cookie ${signed.slice(0, 6)}…`, signed)
    secrets.set(`a session id ${sessionId.slice(0, 6)}…`, sessionId)
    secrets.set(`an id hash of ${sessionId.slice(0, 6)}…`, hashSessionId(sessionId))
  }
  expect(sids.size).toBeGreaterThanOrEqual(2)
  const lines = [
    ...calls.map((entry) => ({ where: `${entry.level} "${entry.message}"`, text: deepText(entry) })),
    ...consoleCalls.map((args) => ({ where: 'console', text: deepText(args) })),
  ]
  const leaks = lines.flatMap(({ where, text }) =>
    [...secrets].filter(([, secret]) => text.includes(secret)).map(([what]) => `${where} contains ${what}`),
  )
  expect(leaks).toEqual([])
})
