import { describe, expect, test } from '@jest/globals'
import { detectEventShape, EventShape, readHeader, readHeaderValues, readMethod, readPath } from '@lambda-session/core'
import { capture } from './aws-events.js'

describe('detectEventShape on every capture', () => {
  test.each([
    ['apigw-rest/no-auth.json', EventShape.RestApiV1],
    ['apigw-rest/lambda-authorizer-auth.json', EventShape.RestApiV1],
    ['apigw-rest/console-test-ui.json', EventShape.RestApiV1],
    // Authorizer events are not proxy requests; REST is the fallback for anything without v2/ELB markers.
    ['apigw-rest/authorizer-request.json', EventShape.RestApiV1],
    ['apigw-rest/authorizer-token.json', EventShape.RestApiV1],
    ['apigw-http/no-auth.json', EventShape.HttpApiV2],
    ['apigw-http/idempotency-key-header.json', EventShape.HttpApiV2],
    ['apigw-http/jwt-authorizer-auth.json', EventShape.HttpApiV2],
    ['apigw-http/lambda-authorizer-auth.json', EventShape.HttpApiV2],
    ['apigw-http/authorizer-request.json', EventShape.HttpApiV2],
    ['function-url/base.json', EventShape.HttpApiV2],
    ['function-url/get-request.json', EventShape.HttpApiV2],
    ['alb/base.json', EventShape.Alb],
    ['alb/multi-fields.json', EventShape.AlbMultiValue],
  ])('%s is %s', (file, shape) => {
    expect(detectEventShape(capture(file))).toBe(shape)
  })

  test('the shape values are the documented strings', () => {
    expect(Object.values(EventShape)).toEqual(['rest-api-v1', 'http-api-v2', 'alb', 'alb-multi-value'])
  })
})

describe('reading headers, method and path from captures', () => {
  test('headers are found whatever their case, multi-value first', () => {
    const rest = capture('apigw-rest/no-auth.json')
    expect(readHeader(rest, 'user-agent')).toBe('HTTPie/3.2.2')
    expect(readHeaderValues(rest, 'X-FORWARDED-FOR')).toEqual(['15.248.3.126, 130.176.209.21'])
    rest.multiValueHeaders = { ...rest.multiValueHeaders, 'X-Many': ['a', 'b'] }
    rest.headers = { ...rest.headers, 'X-Many': 'b' }
    expect(readHeaderValues(rest, 'x-many')).toEqual(['a', 'b'])
  })

  test('falls back to single-value headers (HTTP API, ALB) and misses cleanly', () => {
    expect(readHeader(capture('apigw-http/idempotency-key-header.json'), 'x-idempotency-key')).toBe('abcdefg')
    expect(readHeader(capture('alb/base.json'), 'Host')).toBe('lambda-alb-123578498.us-east-2.elb.amazonaws.com')
    expect(readHeader(capture('alb/multi-fields.json'), 'user-agent')).toBe('curl/7.79.1')
    expect(readHeader(capture('apigw-rest/console-test-ui.json'), 'host')).toBeUndefined()
    expect(readHeaderValues(capture('alb/base.json'), 'missing')).toEqual([])
  })

  test.each([
    ['apigw-rest/no-auth.json', 'POST', '/no-auth'],
    ['apigw-http/no-auth.json', 'POST', '/lambda'],
    ['function-url/get-request.json', 'GET', '/'],
    ['alb/base.json', 'GET', '/lambda'],
    ['alb/multi-fields.json', 'GET', '/lambda'],
  ])('%s: %s %s', (file, method, path) => {
    const event = capture(file)
    expect(readMethod(event)).toBe(method)
    expect(readPath(event)).toBe(path)
  })

  test('method is upper-cased; v2 prefers rawPath over requestContext', () => {
    const event = capture('apigw-http/no-auth.json')
    event.requestContext = { ...event.requestContext, http: { method: 'delete', path: '/ctx' } }
    event.rawPath = '/raw'
    expect(readMethod(event)).toBe('DELETE')
    expect(readPath(event)).toBe('/raw')
  })
})
