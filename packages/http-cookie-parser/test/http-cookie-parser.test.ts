import { describe, expect, jest, test } from '@jest/globals'
import { type HttpEvent, type Logger, parseRequestCookies } from '@lambda-session/core'
import { httpCookieParser, type ParsedCookiesEvent } from '@lambda-session/http-cookie-parser'
import { buildHttpEvent, createLambdaContext, EventShapes, loadEventFixture } from '@lambda-session/testing'
import middy from '@middy/core'

/** Runs the middleware through Middy and returns what the handler saw. */
async function parsedBy(event: unknown, options = {}): Promise<Record<string, string>> {
  let seen: Record<string, string> | undefined
  const handler = middy()
    .use(httpCookieParser(options))
    .handler(async (received: ParsedCookiesEvent) => {
      seen = received.parsedCookies
      return { statusCode: 204 }
    })
  await handler(event as ParsedCookiesEvent, createLambdaContext())
  if (!seen) throw new Error('the handler did not run')
  return seen
}

const plain = (cookies: Record<string, string>) => ({ ...cookies })

describe('httpCookieParser in every event shape', () => {
  test.each(EventShapes)('%s: every cookie by name, decoded', async (shape) => {
    const event = buildHttpEvent(shape, { cookies: { sid: 'abc.def', theme: 'dark mode' } })
    expect(plain(await parsedBy(event))).toEqual({ sid: 'abc.def', theme: 'dark mode' })
  })

  test.each(EventShapes)('%s: a repeated name keeps the first value (the most specific path)', async (shape) => {
    const event = buildHttpEvent(shape, { cookies: ['sid=first', 'sid=second', 'x=1'] })
    expect(plain(await parsedBy(event))).toEqual({ sid: 'first', x: '1' })
  })

  test.each(EventShapes)('%s: no cookies gives an empty object, not undefined', async (shape) => {
    expect(plain(await parsedBy(buildHttpEvent(shape)))).toEqual({})
  })

  test('function-url/base.json as captured: the valueless cookie1 and cookie2 are skipped', async () => {
    const event = loadEventFixture('function-url')
    expect(event.cookies).toEqual(['cookie1', 'cookie2'])
    expect(plain(await parsedBy(event))).toEqual({})
    const withSid = loadEventFixture('function-url')
    withSid.cookies = ['cookie1', 'sid=abc', 'cookie2']
    expect(plain(await parsedBy(withSid))).toEqual({ sid: 'abc' })
  })

  test('malformed %-escapes are kept raw instead of failing the request', async () => {
    const event = buildHttpEvent('rest-api-v1', { cookies: ['a=%E0%A4%A', 'b=%41'] })
    expect(plain(await parsedBy(event))).toEqual({ a: '%E0%A4%A', b: 'A' })
  })
})

describe('httpCookieParser behaviour', () => {
  test('the inner function is named, as Middy shows it in hooks and stack traces', () => {
    expect(httpCookieParser().before?.name).toBe('httpCookieParserMiddlewareBefore')
    expect(httpCookieParser().after).toBeUndefined()
    expect(httpCookieParser().onError).toBeUndefined()
  })

  test('parsing is shared: later middlewares get core’s memoized result, not a re-parse', async () => {
    const event = buildHttpEvent<HttpEvent>('http-api-v2', { cookies: ['sid=one'] })
    const parsed = await parsedBy(event)
    event.cookies = ['sid=two'] // a second parse would see this
    expect(parseRequestCookies(event).get('sid')).toEqual(['one'])
    expect(parsed.sid).toBe('one')
  })

  test('names are plain keys: prototype names neither leak in nor pollute', async () => {
    const parsed = await parsedBy(buildHttpEvent('alb', { cookies: ['__proto__=x', 'constructor=y'] }))
    expect(Object.getPrototypeOf(parsed)).toBeNull()
    expect(Object.keys(parsed).sort()).toEqual(['__proto__', 'constructor'])
    expect(parsed.constructor).toBe('y')
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    const none = await parsedBy(buildHttpEvent('alb'))
    expect(none.toString).toBeUndefined()
  })

  test('an event that is not an object is left alone', () => {
    const before = httpCookieParser().before as (request: unknown) => void
    for (const event of [undefined, null, 'text', 42]) {
      expect(() => before({ event, context: {}, response: undefined, error: undefined, internal: {} })).not.toThrow()
    }
  })

  test('logs counts at debug, never names or values', async () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
    await parsedBy(buildHttpEvent('rest-api-v1', { cookies: ['sid=secret-value', 'sid=other', 'a=1'] }), { logger })
    expect(logger.debug).toHaveBeenCalledWith('http-cookie-parser: request cookies parsed', {
      package: '@lambda-session/http-cookie-parser',
      cookies: 2,
      repeatedNames: 1,
    })
    expect(JSON.stringify(logger.debug.mock.calls)).not.toMatch(/secret-value|sid/)
    expect(logger.warn).not.toHaveBeenCalled()
  })

  test('an event with unreadable cookie fields gets no cookies and no exception', async () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
    const event = buildHttpEvent<HttpEvent>('alb-multi-value')
    event.multiValueHeaders = { cookie: 5 as unknown as string[] }
    expect(plain(await parsedBy(event, { logger }))).toEqual({})
    expect(logger.debug.mock.calls[0]?.[1]).toMatchObject({ cookies: 0 })
  })

  test('logger: undefined falls back to the silent default', async () => {
    const event = buildHttpEvent('http-api-v2', { cookies: ['a=1'] })
    expect(plain(await parsedBy(event, { logger: undefined }))).toEqual({ a: '1' })
  })
})
