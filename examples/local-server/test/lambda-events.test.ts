import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import { detectEventShape, type HttpEvent, parseRequestCookies, readHeader } from '@lambda-session/core'
import { loadEventFixture } from '@lambda-session/testing'
import { type IncomingRequest, toAuthorizerEvent, toHttpApiEvent, toRestApiEvent } from '../src/lambda-events.js'

type Json = Record<string, unknown>

/** The authorizer captures, shipped with the session-authorizer package's tests. */
function authorizerFixture(path: string): Json {
  const url = new URL(`../../../packages/session-authorizer/test/fixtures/${path}`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as Json
}

const keys = (value: unknown) => Object.keys(value as Json).sort()

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    method: 'POST',
    rawPath: '/cart/items',
    rawQuery: 'a=1&b=two%20words&a=3',
    headers: [
      ['Host', '127.0.0.1:3000'],
      ['User-Agent', 'curl/8.5.0'],
      ['Accept', 'text/html'],
      ['Accept', 'application/json'],
      ['Content-Type', 'application/json'],
      ['Cookie', 'sid=abc.def; theme=dark'],
    ],
    body: Buffer.from('{"sku":"mug","qty":1}'),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    ...overrides,
  }
}

describe('HTTP API payload 2.0 events', () => {
  const event = toHttpApiEvent(request(), 'POST /cart/items', Date.parse('2024-06-17T15:52:39.080Z'))

  test('carry the fields of a real capture, and only those', () => {
    const capture = loadEventFixture('http-api-v2')
    const { authorizer: _none, ...captureContext } = capture.requestContext as Json
    expect(keys(event)).toEqual([...keys(capture), 'body', 'cookies', 'queryStringParameters'].sort())
    expect(keys(event.requestContext)).toEqual(keys(captureContext))
    expect(keys((event.requestContext as Json).http)).toEqual(keys((capture.requestContext as Json).http))
    expect(event).toMatchObject({ version: '2.0', routeKey: 'POST /cart/items', rawPath: '/cart/items' })
    expect((event.requestContext as Json).time).toBe('17/Jun/2024:15:52:39 +0000')
  })

  test('cookies go to `cookies`, never to a header; headers are lower-case, repeats comma-joined', () => {
    expect(event.cookies).toEqual(['sid=abc.def', 'theme=dark'])
    expect(event.headers).toEqual({
      host: '127.0.0.1:3000',
      'user-agent': 'curl/8.5.0',
      accept: 'text/html,application/json',
      'content-type': 'application/json',
      'x-forwarded-for': '127.0.0.1', // added as API Gateway adds them
      'x-forwarded-port': '3000',
      'x-forwarded-proto': 'http',
    })
    expect(detectEventShape(event as HttpEvent)).toBe('http-api-v2')
    expect(parseRequestCookies(event as HttpEvent).get('sid')).toEqual(['abc.def'])
  })

  test('query: raw string kept, values decoded, repeats comma-joined', () => {
    expect(event.rawQueryString).toBe('a=1&b=two%20words&a=3')
    expect(event.queryStringParameters).toEqual({ a: '1,3', b: 'two words' })
  })

  test('text bodies as text, others base64-encoded; no body, no field', () => {
    expect(event).toMatchObject({ body: '{"sku":"mug","qty":1}', isBase64Encoded: false })
    const binary = toHttpApiEvent(
      request({ headers: [['Content-Type', 'application/octet-stream']], body: Buffer.from([0, 255, 1]) }),
      'POST /x',
    )
    expect(binary).toMatchObject({ body: 'AP8B', isBase64Encoded: true })
    const empty = toHttpApiEvent(request({ body: Buffer.alloc(0), rawQuery: '' }), 'GET /cart')
    expect(empty.body).toBeUndefined()
    expect(empty.queryStringParameters).toBeUndefined()
  })
})

describe('REST API (v1) proxy events', () => {
  const event = toRestApiEvent(request(), '/cart/items')

  test('carry the fields of a real capture, and only those', () => {
    const capture = loadEventFixture('rest-api-v1')
    expect(keys(event)).toEqual(keys(capture))
    expect(keys(event.requestContext)).toEqual(keys(capture.requestContext))
    expect(keys((event.requestContext as Json).identity)).toEqual(keys((capture.requestContext as Json).identity))
    expect(event).toMatchObject({ resource: '/cart/items', path: '/cart/items', httpMethod: 'POST' })
    expect((event.requestContext as Json).path).toBe('/local/cart/items')
  })

  test('headers as sent: the last value in `headers`, all of them in `multiValueHeaders`, Cookie included', () => {
    expect((event.headers as Json).Accept).toBe('application/json')
    expect((event.multiValueHeaders as Json).Accept).toEqual(['text/html', 'application/json'])
    expect(readHeader(event as HttpEvent, 'cookie')).toBe('sid=abc.def; theme=dark')
    expect(detectEventShape(event as HttpEvent)).toBe('rest-api-v1')
    expect(parseRequestCookies(event as HttpEvent).get('theme')).toEqual(['dark'])
  })

  test('query in both maps; no query, no body: null', () => {
    expect(event.queryStringParameters).toEqual({ a: '3', b: 'two words' })
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '3'], b: ['two words'] })
    const bare = toRestApiEvent(request({ rawQuery: '', body: Buffer.alloc(0) }), '/cart')
    expect(bare).toMatchObject({ queryStringParameters: null, multiValueQueryStringParameters: null, body: null })
  })
})

describe('authorizer events', () => {
  test('HTTP API: the request without its body, plus type, routeArn and identitySource', () => {
    const requestEvent = toHttpApiEvent(request({ method: 'GET', rawPath: '/me', rawQuery: '' }), 'GET /me')
    const event = toAuthorizerEvent('v2', requestEvent, { method: 'GET', path: '/me' }, ['sid=abc.def; theme=dark'])
    const capture = authorizerFixture('apigw-http/authorizer-request.json')
    expect(keys(event)).toEqual([...keys(capture), 'cookies'].sort())
    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:123456789012:local/$default/GET/me',
      identitySource: ['sid=abc.def; theme=dark'],
      cookies: ['sid=abc.def', 'theme=dark'],
    })
  })

  test('REST: the proxy event without its body, plus type and methodArn', () => {
    const requestEvent = toRestApiEvent(request({ method: 'GET', rawPath: '/me', body: Buffer.alloc(0) }), '/me')
    const event = toAuthorizerEvent('v1', requestEvent, { method: 'GET', path: '/me' }, ['sid=abc.def'])
    const capture = authorizerFixture('apigw-rest/authorizer-request.json')
    expect(keys(event)).toEqual(keys(capture))
    expect(event.methodArn).toBe('arn:aws:execute-api:us-east-1:123456789012:local/local/GET/me')
  })
})
