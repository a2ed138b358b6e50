import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { HttpResponse, SessionOptions } from '@lambda-session/core'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { buildHttpEvent, createLambdaContext } from '@lambda-session/testing'
import middy from '@middy/core'
import { parseSetCookie } from 'cookie'
import { createTestbed, SECRET, type SessionTestbed, SHAPES, type Shape, setCookiesOf } from './harness.js'

let bed: SessionTestbed
let options: SessionOptions

beforeAll(async () => {
  bed = await createTestbed()
  options = { store: bed.store, secrets: [SECRET] }
})
afterAll(() => bed.close())

/** A handler that also sets a cookie of its own, so the session cookie must join it, not replace it. */
const handler = () =>
  middy(async (_event: unknown, context: { session: import('@lambda-session/core').Session }) => {
    const visits = context.session.increment('visits')
    return {
      statusCode: 200,
      body: String(visits),
      multiValueHeaders: { 'Set-Cookie': ['theme=dark; Path=/'] },
      cookies: ['theme=dark; Path=/'],
    }
  })
    .use(sessionLoader(options))
    .use(sessionSaver(options))

/** Where each shape must carry Set-Cookie. */
function expectCookiePlacement(shape: Shape, response: HttpResponse): void {
  if (shape === 'http-api-v2' || shape === 'function-url') {
    expect(response.cookies).toHaveLength(2)
  } else if (shape === 'rest-api-v1' || shape === 'alb-multi-value') {
    expect(response.multiValueHeaders?.['Set-Cookie']).toHaveLength(2)
    expect(Object.keys(response.headers ?? {}).some((k) => k.toLowerCase() === 'set-cookie')).toBe(false)
  } else {
    const names = Object.keys(response.headers ?? {}).filter((k) => k.toLowerCase() === 'set-cookie')
    expect(names).toHaveLength(1) // the handler's own cookie went to multiValueHeaders, which single-value ALB ignores
  }
}

describe.each(SHAPES)('%s', (shape) => {
  test('the session cookie lands where the shape needs it and is read back from the request as AWS delivers it', async () => {
    const first = (await handler()(
      buildHttpEvent(shape, { method: 'POST', path: '/visit', cookies: { other: 'x', another: 'y' } }) as never,
      createLambdaContext() as never,
    )) as HttpResponse
    expect(first.body).toBe('1')
    expectCookiePlacement(shape, first)
    const sid = setCookiesOf(first)
      .map((raw) => parseSetCookie(raw))
      .find((cookie) => cookie.name === 'sid')
    expect(sid?.value).toBeTruthy()

    const second = (await handler()(
      buildHttpEvent(shape, {
        method: 'POST',
        path: '/visit',
        cookies: { other: 'x', sid: sid?.value as string, another: 'y' },
      }) as never,
      createLambdaContext() as never,
    )) as HttpResponse
    expect(second.body).toBe('2')
  })
})
