import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals'
import type { HttpResponse, Logger } from '@lambda-session/core'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { createLambdaContext, ManualClock } from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import {
  countingApp,
  createGuardTestbed,
  type GuardTestbed,
  guarded,
  newKey,
  postEvent,
  send,
  withoutReplayMarker,
} from './guard-harness.js'

let bed: GuardTestbed

beforeAll(async () => {
  bed = await createGuardTestbed()
})
afterAll(() => bed.close())
beforeEach(() => bed.calls.reset())

describe('first call and replay', () => {
  test('runs once; the repeat is the identical response plus Idempotent-Replayed; 2 round trips then 1', async () => {
    const app = countingApp((run) => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'X-Order': `o-${run}` },
      cookies: ['receipt=r1; Path=/'],
      body: JSON.stringify({ orderId: `o-${run}` }),
    }))
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    const first = await send(handler, { key })
    expect(bed.calls.counts).toEqual({ PutItemCommand: 1, UpdateItemCommand: 1 })
    bed.calls.reset()
    const replay = await send(handler, { key })
    expect(bed.calls.counts).toEqual({ PutItemCommand: 1 })
    expect(app.runs).toBe(1)
    expect(first.headers?.['Idempotent-Replayed']).toBeUndefined()
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true')
    expect(withoutReplayMarker(replay)).toEqual(first)
  })

  test('a local cache answers replays with no round trip', async () => {
    const app = countingApp()
    const handler = guarded(app, { store: bed.store, localCache: { maxEntries: 10 } })
    const key = newKey()
    const first = await send(handler, { key })
    bed.calls.reset()
    const replay = await send(handler, { key })
    expect(bed.calls.total()).toBe(0)
    expect(withoutReplayMarker(replay)).toEqual(first)
    expect(app.runs).toBe(1)
  })

  test('a handler returning undefined is stored and replayed as the 200 the client got', async () => {
    const app = countingApp(() => undefined)
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    const first = await send(handler, { key })
    expect(first).toEqual({ statusCode: 200, headers: {}, body: '' })
    const replay = await send(handler, { key })
    expect(withoutReplayMarker(replay)).toEqual(first)
    expect(app.runs).toBe(1)
  })

  test('a base64 body and multi-value headers survive the round trip exactly', async () => {
    const app = countingApp(() => ({
      statusCode: 200,
      isBase64Encoded: true,
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
    }))
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    const first = await send(handler, { key })
    expect(withoutReplayMarker(await send(handler, { key }))).toEqual(first)
  })
})

describe('rejections', () => {
  test('same key, different payload: 422, and the original record is untouched', async () => {
    const app = countingApp()
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    const first = await send(handler, { key, body: { sku: 'A1', qty: 1 } })
    const other = await send(handler, { key, body: { sku: 'A1', qty: 2 } })
    expect(other.statusCode).toBe(422)
    expect(JSON.parse(other.body as string).message).toMatch(/use a new key/)
    expect(withoutReplayMarker(await send(handler, { key, body: { qty: 1, sku: 'A1' } }))).toEqual(first)
    expect(app.runs).toBe(1)
  })

  test('missing key: 400 when required, passes through unguarded otherwise', async () => {
    const app = countingApp()
    const strict = await send(guarded(app, { store: bed.store, required: true }), {})
    expect(strict.statusCode).toBe(400)
    expect(JSON.parse(strict.body as string).message).toMatch(/Idempotency-Key header/)
    expect(app.runs).toBe(0)
    await send(guarded(app, { store: bed.store }), {})
    await send(guarded(app, { store: bed.store }), {})
    expect(app.runs).toBe(2)
    expect(bed.calls.total()).toBe(0)
  })

  test.each([
    ['too long', 'k'.repeat(256)],
    ['control characters', 'abc\u0001def'],
    ['non-ASCII', 'clé-🔑'],
  ])('a key with %s: 400, handler not run', async (_label, key) => {
    const app = countingApp()
    const response = await send(guarded(app, { store: bed.store }), { key })
    expect(response.statusCode).toBe(400)
    expect(app.runs).toBe(0)
  })

  test('a quoted structured-field key is the same key as its unquoted form; 255 characters is fine', async () => {
    const app = countingApp()
    const handler = guarded(app, { store: bed.store })
    const key = `${newKey()}${'x'.repeat(219)}`
    expect(key).toHaveLength(255)
    await send(handler, { key })
    const replay = await send(handler, { key: `"${key}"` })
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true')
    expect(app.runs).toBe(1)
  })

  test('GET passes through; methods are configurable', async () => {
    const app = countingApp()
    const key = newKey()
    await send(guarded(app, { store: bed.store }), { key, method: 'GET', body: '' })
    await send(guarded(app, { store: bed.store }), { key, method: 'GET', body: '' })
    expect(app.runs).toBe(2)
    const put = guarded(app, { store: bed.store, methods: ['PUT'] })
    await send(put, { key, method: 'PUT' })
    await send(put, { key, method: 'PUT' })
    expect(app.runs).toBe(3)
  })
})

describe('what releases the key and what is stored', () => {
  test('a thrown error releases the key: the retry runs the handler again', async () => {
    const app = countingApp((run) => {
      if (run === 1) throw new Error('payment provider down')
      return { statusCode: 200, body: 'ok' }
    })
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    expect((await send(handler, { key })).statusCode).toBe(500)
    expect((await send(handler, { key })).body).toBe('ok')
    expect(app.runs).toBe(2)
  })

  test('a 5xx response releases the key; a 4xx is stored and replayed', async () => {
    const app = countingApp((run) => ({ statusCode: run === 1 ? 503 : 400, body: `run ${run}` }))
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    expect((await send(handler, { key })).statusCode).toBe(503)
    expect((await send(handler, { key })).body).toBe('run 2')
    const replay = await send(handler, { key })
    expect(replay).toMatchObject({ statusCode: 400, body: 'run 2', headers: { 'Idempotent-Replayed': 'true' } })
    expect(app.runs).toBe(2)
  })

  test('a response too large to store is returned, not stored, and the key released with a warning', async () => {
    const logger: Logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
    const app = countingApp(() => ({ statusCode: 200, body: 'x'.repeat(2000) }))
    const handler = guarded(app, { store: bed.store, maxResponseBytes: 1000, logger })
    const key = newKey()
    expect((await send(handler, { key })).body).toHaveLength(2000)
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/too large/),
      expect.objectContaining({ event: 'response-too-large' }),
    )
    expect((await send(handler, { key })).headers?.['Idempotent-Replayed']).toBeUndefined()
    expect(app.runs).toBe(2)
  })

  test('a store outage on acquire is a 503 and the handler does not run', async () => {
    const { DynamoDBIdempotencyStore } = await import('@lambda-session/dynamodb-store')
    const { createLocalDynamoDBClient } = await import('@lambda-session/testing')
    const dead = createLocalDynamoDBClient('http://127.0.0.1:9')
    const app = countingApp()
    const response = await send(
      guarded(app, { store: new DynamoDBIdempotencyStore({ client: dead, tableName: bed.tableName }) }),
      {
        key: newKey(),
      },
    )
    dead.destroy()
    expect(response.statusCode).toBe(503)
    expect(response.headers?.['Retry-After']).toBe('1')
    expect(app.runs).toBe(0)
  })
})

describe('concurrency and locks', () => {
  test('30 concurrent identical requests: the handler runs once; the others get 409 or the identical replay', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const app = countingApp(async (run) => {
      await gate
      return { statusCode: 201, body: JSON.stringify({ orderId: `order-${run}` }) }
    })
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    // The winner's handler is held until the 29 others have been answered, so
    // the race is real on any machine, however slow.
    let answered = 0
    const pending = Array.from({ length: 30 }, () =>
      send(handler, { key }).then((response) => {
        if (++answered === 29) release()
        return response
      }),
    )
    const responses = await Promise.all(pending)
    expect(app.runs).toBe(1)
    const original = responses.find((r) => r.statusCode === 201 && !r.headers?.['Idempotent-Replayed']) as HttpResponse
    expect(original).toBeDefined()
    for (const response of responses) {
      if (response === original) continue
      if (response.statusCode === 409) expect(Number(response.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1)
      else expect(withoutReplayMarker(response)).toEqual(original)
    }
    expect(responses.filter((r) => r.statusCode === 409)).toHaveLength(29)
    const later = await send(handler, { key })
    expect(withoutReplayMarker(later)).toEqual(original)
    expect(app.runs).toBe(1)
  })

  test('an invocation that dies holds the key only until its remaining time passes', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 1))
    const guard = idempotencyGuard({ store: bed.store, clock: clock.now })
    const key = newKey()
    // The first invocation acquires the lock and is then killed: no after, no onError.
    const dying = {
      event: postEvent({ key }),
      context: createLambdaContext({ timeoutMs: 5000, clock }),
      response: undefined,
    }
    expect(await guard.before(dying)).toBeUndefined()

    const app = countingApp()
    const handler = middy(app as never)
      .use(idempotencyGuard({ store: bed.store, clock: clock.now }))
      .use(httpErrorHandler({ logger: false }))
    clock.advance(1000)
    const blocked = await send(handler, { key, clock })
    expect(blocked.statusCode).toBe(409)
    expect(blocked.headers?.['Retry-After']).toBe('4')
    expect(app.runs).toBe(0)
    clock.advance(4001)
    const retried = await send(handler, { key, clock })
    expect(retried.statusCode).toBe(200)
    expect(app.runs).toBe(1)
  })

  test('a late, timed-out invocation can neither complete nor release the newer request’s record', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 2))
    const guard = idempotencyGuard({ store: bed.store, clock: clock.now })
    const key = newKey()
    const late = {
      event: postEvent({ key }),
      context: createLambdaContext({ timeoutMs: 1000, clock }),
      response: undefined as unknown,
    }
    await guard.before(late)
    clock.advance(1500) // the late one's lock has lapsed
    const app = countingApp(() => ({ statusCode: 200, body: 'newer' }))
    const handler = middy(app as never).use(idempotencyGuard({ store: bed.store, clock: clock.now }))
    expect((await send(handler, { key, clock })).body).toBe('newer')

    late.response = { statusCode: 200, body: 'stale' }
    await guard.after(late) // completes nothing: the token is not the record's
    await guard.onError(late) // releases nothing either
    const replay = await send(handler, { key, clock })
    expect(replay).toMatchObject({ body: 'newer', headers: { 'Idempotent-Replayed': 'true' } })
  })

  test('a rejected duplicate never touches the original’s record', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const app = countingApp(async () => {
      await gate
      return { statusCode: 200, body: 'done' }
    })
    const handler = guarded(app, { store: bed.store })
    const key = newKey()
    const first = send(handler, { key })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const duplicate = await send(handler, { key })
    expect(duplicate.statusCode).toBe(409)
    release()
    expect((await first).body).toBe('done')
    expect((await send(handler, { key })).headers?.['Idempotent-Replayed']).toBe('true')
  })
})

describe('middleware order', () => {
  test.each([
    ['before', true],
    ['after', false],
  ])('http-json-body-parser %s the guard gives the same fingerprint', async (_label, parserFirst) => {
    const app = countingApp((_run, event) => ({ statusCode: 200, body: JSON.stringify(event.body) }))
    const guard = idempotencyGuard({ store: bed.store })
    const handler = (
      parserFirst
        ? middy(app as never)
            .use(httpJsonBodyParser())
            .use(guard)
        : middy(app as never)
            .use(guard)
            .use(httpJsonBodyParser())
    ).use(httpErrorHandler({ logger: false }))
    const key = newKey()
    const first = await send(handler, { key, body: '{"sku":"B2","qty":3}' })
    expect(JSON.parse(first.body as string)).toEqual({ sku: 'B2', qty: 3 })
    const replay = await send(handler, { key, body: '{ "qty": 3, "sku": "B2" }' })
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true')
    expect(app.runs).toBe(1)
  })

  test('without a session, a verified token subject (context.identity.sub) keeps callers apart', async () => {
    const app = countingApp()
    const asSubject = (sub: string) =>
      middy(app as never)
        .before((request: { context: { identity?: { sub: string } } }) => {
          request.context.identity = { sub }
        })
        .use(idempotencyGuard({ store: bed.store }))
    const key = newKey()
    await send(asSubject('alice'), { key })
    const bob = await send(asSubject('bob'), { key })
    expect(bob.headers?.['Idempotent-Replayed']).toBeUndefined()
    const aliceAgain = await send(asSubject('alice'), { key })
    expect(aliceAgain.headers?.['Idempotent-Replayed']).toBe('true')
    expect(app.runs).toBe(2)
  })

  test('records are stored under a hash of the scoped key, never the raw key', async () => {
    const key = newKey()
    await send(guarded(countingApp(), { store: bed.store }), { key })
    const raw = await bed.client.send(new GetItemCommand({ TableName: bed.tableName, Key: { pk: { S: key } } }))
    expect(raw.Item).toBeUndefined()
  })
})
