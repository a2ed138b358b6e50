import { describe, expect, test } from '@jest/globals'
import { appendSetCookies, type HttpResponse, toStructuredResponse } from '@lambda-session/core'
import { capture, type Delivery, onePerDelivery } from './aws-events.js'

const fileOf: Record<Delivery, string> = {
  rest: 'apigw-rest/no-auth.json',
  'payload-v2': 'apigw-http/no-auth.json',
  alb: 'alb/base.json',
  'alb-multi': 'alb/multi-fields.json',
}

/** Every Set-Cookie value a response carries, wherever it is. */
function allSetCookies(response: HttpResponse): string[] {
  const values: string[] = [...(response.cookies ?? [])]
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (name.toLowerCase() === 'set-cookie') values.push(String(value))
  }
  for (const [name, list] of Object.entries(response.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === 'set-cookie') values.push(...list.map(String))
  }
  return values
}

function setCookieHeaderNames(response: HttpResponse): string[] {
  return Object.keys(response.headers ?? {}).filter((name) => name.toLowerCase() === 'set-cookie')
}

const added = ['sid=abc.def; Path=/; HttpOnly; Secure; SameSite=Lax', 'theme=dark; Path=/']

describe('appendSetCookies puts Set-Cookie where each shape needs it', () => {
  const ok = (): HttpResponse => ({ statusCode: 200, headers: { 'Content-Type': 'text/plain' }, body: 'ok' })

  test.each(['apigw-rest/no-auth.json', 'alb/multi-fields.json'])('%s: multiValueHeaders["Set-Cookie"]', (file) => {
    const response = appendSetCookies(capture(file), ok(), added)
    expect(response.multiValueHeaders).toEqual({ 'Set-Cookie': added })
    expect(response.headers).toEqual({ 'Content-Type': 'text/plain' })
    expect(response.cookies).toBeUndefined()
  })

  test.each(['apigw-http/no-auth.json', 'function-url/base.json'])('%s: the cookies array', (file) => {
    const response = appendSetCookies(capture(file), ok(), added)
    expect(response.cookies).toEqual(added)
    expect(response.headers).toEqual({ 'Content-Type': 'text/plain' })
    expect(response.multiValueHeaders).toBeUndefined()
  })

  test('alb/base.json: one header per cookie, in distinct casings', () => {
    const response = appendSetCookies(capture('alb/base.json'), ok(), added)
    const names = setCookieHeaderNames(response)
    expect(names).toHaveLength(2)
    expect(new Set(names).size).toBe(2)
    expect(names.map((name) => response.headers?.[name])).toEqual(added)
    expect(response.headers?.['Content-Type']).toBe('text/plain')
    expect(response.multiValueHeaders).toBeUndefined()
    expect(response.cookies).toBeUndefined()
  })

  test('alb/base.json: five cookies all survive', () => {
    const many = Array.from({ length: 5 }, (_, i) => `c${i}=v${i}`)
    const response = appendSetCookies(capture('alb/base.json'), ok(), many)
    expect(allSetCookies(response)).toEqual(many)
    expect(new Set(setCookieHeaderNames(response).map((name) => name.toLowerCase()))).toEqual(new Set(['set-cookie']))
  })

  // The hyphen has no case: variants must flip letters only, or the 10th cookie
  // would overwrite the 2nd.
  test('alb/base.json: ten cookies all survive', () => {
    const many = Array.from({ length: 10 }, (_, i) => `c${i}=v${i}`)
    const response = appendSetCookies(capture('alb/base.json'), ok(), many)
    expect(allSetCookies(response).sort()).toEqual([...many].sort())
  })

  test.each(onePerDelivery)('$file: no cookies to add leaves the response alone', ({ file }) => {
    const response = appendSetCookies(capture(file), ok(), [])
    expect(response).toEqual(ok())
  })
})

describe('appendSetCookies keeps the handler’s own Set-Cookie exactly once', () => {
  test('REST: a single-value Set-Cookie moves into the multi-value list, after existing ones', () => {
    const response = appendSetCookies(
      capture(fileOf.rest),
      { statusCode: 200, headers: { 'set-cookie': 'own=1' }, multiValueHeaders: { 'Set-Cookie': ['list=0'] } },
      added,
    )
    expect(response.multiValueHeaders).toEqual({ 'Set-Cookie': ['list=0', 'own=1', ...added] })
    expect(setCookieHeaderNames(response)).toEqual([])
  })

  test('ALB multi-value: reuses the existing key whatever its case', () => {
    const response = appendSetCookies(
      capture(fileOf['alb-multi']),
      { statusCode: 200, multiValueHeaders: { 'set-cookie': ['list=0'] } },
      ['sid=x'],
    )
    expect(response.multiValueHeaders).toEqual({ 'set-cookie': ['list=0', 'sid=x'] })
  })

  test('HTTP API: existing cookies come first, a Set-Cookie header stays where it was', () => {
    const response = appendSetCookies(
      capture(fileOf['payload-v2']),
      { statusCode: 201, headers: { 'Set-Cookie': 'hdr=1' }, cookies: ['own=1'] },
      added,
    )
    expect(response.cookies).toEqual(['own=1', ...added])
    expect(response.headers).toEqual({ 'Set-Cookie': 'hdr=1' })
    expect(allSetCookies(response).sort()).toEqual(['hdr=1', 'own=1', ...added].sort())
  })

  test('ALB single-value: the handler’s cookie first, then the added ones, no duplicates', () => {
    const response = appendSetCookies(
      capture(fileOf.alb),
      { statusCode: 200, headers: { 'SET-COOKIE': 'own=1' } },
      added,
    )
    const names = setCookieHeaderNames(response)
    expect(names.map((name) => response.headers?.[name])).toEqual(['own=1', ...added])
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('non-structured handler results are normalised first', () => {
  test.each(onePerDelivery)('$file: undefined becomes an empty 200', ({ file }) => {
    const response = appendSetCookies(capture(file), undefined, ['sid=x'])
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('')
    expect(allSetCookies(response)).toEqual(['sid=x'])
  })

  test.each(onePerDelivery)('$file: a string becomes the body', ({ file }) => {
    const response = appendSetCookies(capture(file), 'hello', ['sid=x'])
    expect(response).toMatchObject({ statusCode: 200, body: 'hello' })
    expect(allSetCookies(response)).toEqual(['sid=x'])
  })

  test.each(onePerDelivery)('$file: an object becomes JSON', ({ file }) => {
    const response = appendSetCookies(capture(file), { items: [1] }, ['sid=x'])
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(response.body as string)).toEqual({ items: [1] })
    expect(response.headers?.['Content-Type']).toBe('application/json')
    expect(allSetCookies(response)).toEqual(['sid=x'])
  })

  test('toStructuredResponse keeps a structured response as it is', () => {
    const structured = { statusCode: 404, body: 'no' }
    expect(toStructuredResponse(structured)).toBe(structured)
    expect(toStructuredResponse(null)).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: 'null',
    })
  })
})
