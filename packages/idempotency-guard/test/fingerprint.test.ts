import { describe, expect, it } from '@jest/globals'
import type { HttpEvent } from '@lambda-session/core'
import { defaultFingerprint } from '@lambda-session/idempotency-guard'
import { serializeResponse } from '../src/stored-response.js'

// Stored records carry the fingerprint: a release that changed it would answer
// a client's retry across the deploy with 422. These are the strings the
// released implementation gave (before it was rewritten for speed).
describe('defaultFingerprint stays the same across versions', () => {
  it.each<[string, HttpEvent & Record<string, unknown>, string]>([
    [
      'HTTP API v2 with a JSON body and a query',
      {
        version: '2.0',
        rawPath: '/orders',
        requestContext: { http: { method: 'post', path: '/orders' } },
        headers: { 'content-type': 'application/json' },
        body: '{"b":1,"a":[1,{"d":2,"c":3}]}',
        isBase64Encoded: false,
        queryStringParameters: { z: '1', a: '2' },
      },
      '["POST","/orders","{\\"a\\":\\"2\\",\\"z\\":\\"1\\"}","{\\"a\\":[1,{\\"c\\":3,\\"d\\":2}],\\"b\\":1}"]',
    ],
    [
      'text that is not JSON, a quote in the path',
      { httpMethod: 'PATCH', path: '/cart/"x"', headers: { 'Content-Type': 'text/plain' }, body: ' {not json' },
      '["PATCH","/cart/\\"x\\"",""," {not json"]',
    ],
    [
      'a base64 JSON body without a content type',
      {
        httpMethod: 'POST',
        path: '/p',
        headers: {},
        body: Buffer.from('[2,1]').toString('base64'),
        isBase64Encoded: true,
      },
      '["POST","/p","","[2,1]"]',
    ],
    [
      'a body a parser already turned into an object',
      { httpMethod: 'POST', path: '/p', headers: {}, body: { b: 2, a: 1 } as unknown as string },
      '["POST","/p","","{\\"a\\":1,\\"b\\":2}"]',
    ],
    ['no body', { httpMethod: 'POST', path: '/p', headers: {}, body: null }, '["POST","/p","",""]'],
  ])('%s', (_case, event, expected) => {
    expect(defaultFingerprint(event)).toBe(expected)
  })
})

describe('serializeResponse', () => {
  it('stores exactly the text JSON.stringify gives for the kept fields, in their order', () => {
    const response = {
      body: 'hello',
      statusCode: 201,
      extra: 'not stored',
      multiValueHeaders: undefined,
      cookies: ['a=1'],
      headers: { 'X-Date': { toJSON: () => 'from toJSON' } as unknown as string },
      isBase64Encoded: false,
    }
    const { text } = serializeResponse(response)
    const { statusCode, headers, cookies, body, isBase64Encoded } = response
    expect(text).toBe(JSON.stringify({ statusCode, headers, cookies, body, isBase64Encoded }))
  })

  it('stores a bare string or object the way Lambda would answer it', () => {
    expect(JSON.parse(serializeResponse('plain').text)).toEqual({ statusCode: 200, headers: {}, body: 'plain' })
    expect(JSON.parse(serializeResponse({ a: 1 }).text)).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    })
  })
})
