import { readFileSync } from 'node:fs'
import type { HttpEvent } from '@lambda-session/core'

/**
 * The real AWS captures (MIT-0, from Powertools' test suite), kept in the
 * repository under test-support/ so a bare clone tests the adapters against
 * what AWS actually sends.
 */
const capturesDir = new URL('../../../test-support/aws-events/', import.meta.url)

/** How a capture's service delivers cookies; decided from the file, not by the code under test. */
export type Delivery = 'rest' | 'payload-v2' | 'alb' | 'alb-multi'

/** The HTTP proxy captures (authorizer events excluded), with how each delivers cookies. */
export const proxyCaptures: ReadonlyArray<{ file: string; delivery: Delivery }> = [
  { file: 'apigw-rest/no-auth.json', delivery: 'rest' },
  { file: 'apigw-rest/lambda-authorizer-auth.json', delivery: 'rest' },
  { file: 'apigw-rest/console-test-ui.json', delivery: 'rest' },
  { file: 'apigw-http/no-auth.json', delivery: 'payload-v2' },
  { file: 'apigw-http/idempotency-key-header.json', delivery: 'payload-v2' },
  { file: 'apigw-http/jwt-authorizer-auth.json', delivery: 'payload-v2' },
  { file: 'apigw-http/lambda-authorizer-auth.json', delivery: 'payload-v2' },
  { file: 'alb/base.json', delivery: 'alb' },
  { file: 'alb/multi-fields.json', delivery: 'alb-multi' },
  { file: 'function-url/base.json', delivery: 'payload-v2' },
  { file: 'function-url/get-request.json', delivery: 'payload-v2' },
]

/** A fresh copy of one capture. */
export function capture(file: string): HttpEvent {
  return JSON.parse(readFileSync(new URL(file, capturesDir), 'utf8')) as HttpEvent
}

/**
 * Adds cookies the way AWS delivers them: REST puts one joined header in
 * `headers.Cookie` and `multiValueHeaders.Cookie`; HTTP API and Function URL
 * replace the header with the `cookies` array; ALB uses `headers.cookie`, or
 * `multiValueHeaders.cookie` with multi-value headers on.
 */
export function withCookies(event: HttpEvent, delivery: Delivery, pairs: readonly string[]): HttpEvent {
  const joined = pairs.join('; ')
  switch (delivery) {
    case 'rest':
      event.headers = { ...event.headers, Cookie: joined }
      event.multiValueHeaders = { ...event.multiValueHeaders, Cookie: [joined] }
      break
    case 'payload-v2':
      event.cookies = [...pairs]
      break
    case 'alb':
      event.headers = { ...event.headers, cookie: joined }
      break
    case 'alb-multi':
      event.multiValueHeaders = { ...event.multiValueHeaders, cookie: [joined] }
      break
  }
  return event
}

/** One capture per delivery, for tests that need each shape once. */
export const onePerDelivery: ReadonlyArray<{ file: string; delivery: Delivery }> = [
  { file: 'apigw-rest/no-auth.json', delivery: 'rest' },
  { file: 'apigw-http/no-auth.json', delivery: 'payload-v2' },
  { file: 'function-url/base.json', delivery: 'payload-v2' },
  { file: 'alb/base.json', delivery: 'alb' },
  { file: 'alb/multi-fields.json', delivery: 'alb-multi' },
]
