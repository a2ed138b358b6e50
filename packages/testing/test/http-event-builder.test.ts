import { describe, expect, test } from '@jest/globals'
import { detectEventShape, parseRequestCookies, readHeader, readMethod, readPath } from '@lambda-session/core'
import { buildHttpEvent, EventShapes } from '@lambda-session/testing'

// biome-ignore lint/suspicious/noExplicitAny: the assertions read deep into AWS's untyped event JSON
type AnyEvent = Record<string, any>

const coreShapeOf = {
  'rest-api-v1': 'rest-api-v1',
  'http-api-v2': 'http-api-v2',
  'function-url': 'http-api-v2',
  alb: 'alb',
  'alb-multi-value': 'alb-multi-value',
} as const

describe('buildHttpEvent: method and path', () => {
  test('REST v1 sets them in httpMethod, path, resource and requestContext', () => {
    const event = buildHttpEvent<AnyEvent>('rest-api-v1', { method: 'delete', path: '/cart/items' })
    expect(event.httpMethod).toBe('DELETE')
    expect(event.path).toBe('/cart/items')
    expect(event.resource).toBe('/cart/items')
    expect(event.requestContext.httpMethod).toBe('DELETE')
    expect(event.requestContext.resourcePath).toBe('/cart/items')
    expect(event.requestContext.path).toBe('/prod/cart/items') // the capture's stage is `prod`
  })

  test('HTTP API v2 sets them in requestContext.http, rawPath and routeKey', () => {
    const event = buildHttpEvent<AnyEvent>('http-api-v2', { method: 'PUT', path: '/a/b' })
    expect(event.requestContext.http).toMatchObject({ method: 'PUT', path: '/a/b' })
    expect(event.rawPath).toBe('/a/b')
    expect(event.routeKey).toBe('PUT /a/b')
    expect(event.requestContext.routeKey).toBe('PUT /a/b')
  })

  test('Function URL keeps the $default route key', () => {
    const event = buildHttpEvent<AnyEvent>('function-url', { method: 'POST', path: '/x' })
    expect(event.routeKey).toBe('$default')
    expect(event.requestContext.http).toMatchObject({ method: 'POST', path: '/x' })
    expect(event.rawPath).toBe('/x')
  })

  test.each(['alb', 'alb-multi-value'] as const)('%s sets httpMethod and path', (shape) => {
    const event = buildHttpEvent<AnyEvent>(shape, { method: 'PATCH', path: '/p' })
    expect(event.httpMethod).toBe('PATCH')
    expect(event.path).toBe('/p')
  })

  test.each(EventShapes)('%s defaults to GET / and reads back through core', (shape) => {
    const plain = buildHttpEvent(shape)
    expect(readMethod(plain)).toBe('GET')
    expect(readPath(plain)).toBe('/')
    const custom = buildHttpEvent(shape, { method: 'POST', path: '/login' })
    expect(readMethod(custom)).toBe('POST')
    expect(readPath(custom)).toBe('/login')
    expect(detectEventShape(custom)).toBe(coreShapeOf[shape])
  })
})

describe('buildHttpEvent: cookies where AWS delivers them', () => {
  const cookies = ['a=1', 'b=2']

  test('REST v1: one joined string in headers.Cookie and multiValueHeaders.Cookie', () => {
    const event = buildHttpEvent<AnyEvent>('rest-api-v1', { cookies })
    expect(event.headers.Cookie).toBe('a=1; b=2')
    expect(event.multiValueHeaders.Cookie).toEqual(['a=1; b=2'])
    expect(event.cookies).toBeUndefined()
  })

  test.each(['http-api-v2', 'function-url'] as const)('%s: the cookies array and no Cookie header', (shape) => {
    const event = buildHttpEvent<AnyEvent>(shape, { cookies })
    expect(event.cookies).toEqual(['a=1', 'b=2'])
    expect(Object.keys(event.headers).filter((name) => name.toLowerCase() === 'cookie')).toEqual([])
    expect(event.multiValueHeaders).toBeUndefined()
  })

  test('ALB: headers.cookie only', () => {
    const event = buildHttpEvent<AnyEvent>('alb', { cookies })
    expect(event.headers.cookie).toBe('a=1; b=2')
    expect(event.multiValueHeaders).toBeUndefined()
  })

  test('ALB multi-value: multiValueHeaders.cookie only', () => {
    const event = buildHttpEvent<AnyEvent>('alb-multi-value', { cookies })
    expect(event.multiValueHeaders.cookie).toEqual(['a=1; b=2'])
    expect(event.headers).toBeUndefined()
  })

  test.each(EventShapes)(
    '%s: no cookies given, none sent (the Function URL capture’s cookie1/cookie2 are gone)',
    (shape) => {
      const event = buildHttpEvent<AnyEvent>(shape)
      expect(event.cookies).toBeUndefined()
      expect(readHeader(event, 'cookie')).toBeUndefined()
      expect(parseRequestCookies(event).size).toBe(0)
    },
  )

  test.each(EventShapes)('%s: an object is URI-encoded and parses back to the same values', (shape) => {
    const event = buildHttpEvent(shape, { cookies: { sid: 'abc.DEF-_1', note: 'a b;c=d' } })
    const parsed = parseRequestCookies(event)
    expect(parsed.get('sid')).toEqual(['abc.DEF-_1'])
    expect(parsed.get('note')).toEqual(['a b;c=d'])
  })

  test.each(EventShapes)('%s: raw pairs keep duplicates in order', (shape) => {
    const event = buildHttpEvent(shape, { cookies: ['sid=first', 'x=1', 'sid=second'] })
    expect(parseRequestCookies(event).get('sid')).toEqual(['first', 'second'])
  })

  test.each(EventShapes)('%s: a Cookie header in options.headers becomes cookies, ahead of `cookies`', (shape) => {
    const event = buildHttpEvent<AnyEvent>(shape, { headers: { Cookie: 'h=1; g=2' }, cookies: ['c=3'] })
    const parsed = parseRequestCookies(event)
    expect([...parsed.keys()]).toEqual(['h', 'g', 'c'])
    if (shape === 'http-api-v2' || shape === 'function-url') expect(event.cookies).toEqual(['h=1', 'g=2', 'c=3'])
  })
})

describe('buildHttpEvent: headers, query and body', () => {
  test('REST v1: a header replaces the capture’s in both maps, whatever its case', () => {
    const event = buildHttpEvent<AnyEvent>('rest-api-v1', { headers: { 'user-agent': 'jest' } })
    expect(event.headers['user-agent']).toBe('jest')
    expect(event.headers['User-Agent']).toBeUndefined()
    expect(event.multiValueHeaders['user-agent']).toEqual(['jest'])
    expect(event.multiValueHeaders['User-Agent']).toBeUndefined()
  })

  test.each(['http-api-v2', 'function-url', 'alb'] as const)('%s lower-cases header names', (shape) => {
    const event = buildHttpEvent<AnyEvent>(shape, { headers: { 'Idempotency-Key': 'k1' } })
    expect(event.headers['idempotency-key']).toBe('k1')
    expect(event.headers['Idempotency-Key']).toBeUndefined()
  })

  test('ALB multi-value puts headers in lists', () => {
    const event = buildHttpEvent<AnyEvent>('alb-multi-value', { headers: { 'X-Test': 'y' } })
    expect(event.multiValueHeaders['x-test']).toEqual(['y'])
  })

  test('the captured request’s own Authorization and Content-Length are not carried over', () => {
    const event = buildHttpEvent<AnyEvent>('http-api-v2')
    expect(event.headers.authorization).toBeUndefined()
    expect(event.headers['content-length']).toBeUndefined()
  })

  test('query: decoded in API Gateway shapes, raw in rawQueryString, encoded for ALB', () => {
    const query = { q: 'a b', n: '1' }
    const rest = buildHttpEvent<AnyEvent>('rest-api-v1', { query })
    expect(rest.queryStringParameters).toEqual(query)
    expect(rest.multiValueQueryStringParameters).toEqual({ q: ['a b'], n: ['1'] })
    const v2 = buildHttpEvent<AnyEvent>('http-api-v2', { query })
    expect(v2.queryStringParameters).toEqual(query)
    expect(v2.rawQueryString).toBe('q=a%20b&n=1')
    expect(buildHttpEvent<AnyEvent>('alb', { query }).queryStringParameters).toEqual({ q: 'a%20b', n: '1' })
    expect(buildHttpEvent<AnyEvent>('alb-multi-value', { query }).multiValueQueryStringParameters).toEqual({
      q: ['a%20b'],
      n: ['1'],
    })
  })

  test('no query: what each shape sends without one', () => {
    expect(buildHttpEvent<AnyEvent>('rest-api-v1').queryStringParameters).toBeNull()
    expect(buildHttpEvent<AnyEvent>('function-url').queryStringParameters).toBeUndefined()
    expect(buildHttpEvent<AnyEvent>('function-url').rawQueryString).toBe('')
    expect(buildHttpEvent<AnyEvent>('alb').queryStringParameters).toEqual({})
  })

  test.each(EventShapes)('%s: an object body is JSON with a content type', (shape) => {
    const event = buildHttpEvent<AnyEvent>(shape, { method: 'POST', body: { sku: 'A1', qty: 2 } })
    expect(JSON.parse(event.body)).toEqual({ sku: 'A1', qty: 2 })
    expect(readHeader(event, 'content-type')).toBe('application/json')
    expect(event.isBase64Encoded).toBe(false)
  })

  test('a given content type wins over the JSON default', () => {
    const event = buildHttpEvent<AnyEvent>('http-api-v2', {
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: { a: 1 },
    })
    expect(event.headers['content-type']).toBe('application/merge-patch+json')
  })

  test.each(EventShapes)('%s: isBase64Encoded delivers the body in base64', (shape) => {
    const event = buildHttpEvent<AnyEvent>(shape, { body: 'héllo', isBase64Encoded: true })
    expect(event.isBase64Encoded).toBe(true)
    expect(Buffer.from(event.body, 'base64').toString('utf8')).toBe('héllo')
  })

  test('no body: null for REST, absent for payload 2.0, empty for ALB', () => {
    expect(buildHttpEvent<AnyEvent>('rest-api-v1').body).toBeNull()
    expect('body' in buildHttpEvent<AnyEvent>('http-api-v2')).toBe(false)
    expect('body' in buildHttpEvent<AnyEvent>('function-url')).toBe(false)
    expect(buildHttpEvent<AnyEvent>('alb').body).toBe('')
  })
})

describe('buildHttpEvent: fresh copies', () => {
  test.each(EventShapes)('%s: changing one event never leaks into the next', (shape) => {
    const first = buildHttpEvent<AnyEvent>(shape, { cookies: ['a=1'] })
    const headers = first.headers ?? first.multiValueHeaders
    headers['x-leak'] = 'yes'
    if (first.requestContext) first.requestContext.leak = true
    const second = buildHttpEvent<AnyEvent>(shape)
    expect(second).not.toBe(first)
    expect((second.headers ?? second.multiValueHeaders)['x-leak']).toBeUndefined()
    expect(second.requestContext?.leak).toBeUndefined()
    expect(parseRequestCookies(second).size).toBe(0)
  })

  test.each(['rest-api-v1', 'http-api-v2', 'function-url'] as const)(
    '%s: each event has its own request id',
    (shape) => {
      const a = buildHttpEvent<AnyEvent>(shape)
      const b = buildHttpEvent<AnyEvent>(shape)
      expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId)
    },
  )

  test('an unknown shape is a TypeError naming the valid ones', () => {
    expect(() => buildHttpEvent('v3' as never)).toThrow(
      /Unknown event shape 'v3'; use one of: rest-api-v1, http-api-v2, alb, alb-multi-value, function-url/,
    )
  })
})
