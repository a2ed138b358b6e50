import { randomUUID } from 'node:crypto'
import type { HttpEvent } from '@lambda-session/core'
import { type EventShapeName, EventShapes, loadEventFixture } from './event-fixtures.js'
import {
  type BuildHttpEventOptions,
  encodeQuery,
  type RequestParts,
  replaceHeader,
  requestParts,
} from './http-event-parts.js'

type Json = Record<string, unknown>

/** Headers of the captures that describe that one captured request, not any request. */
const capturedOnlyHeaders = ['authorization', 'content-length', 'header1', 'header2']

function objectAt(event: Json, key: string): Json {
  const value = event[key]
  if (typeof value === 'object' && value !== null) return value as Json
  const created: Json = {}
  event[key] = created
  return created
}

function dropCapturedOnlyHeaders(headers: Json): void {
  for (const key of Object.keys(headers)) {
    if (capturedOnlyHeaders.includes(key.toLowerCase())) delete headers[key]
  }
}

/** API Gateway REST: both header maps, cookies as one `Cookie` header; method and path everywhere. */
function placeRestApiV1(event: Json, parts: RequestParts): void {
  const headers = objectAt(event, 'headers')
  const multi = objectAt(event, 'multiValueHeaders')
  dropCapturedOnlyHeaders(headers)
  dropCapturedOnlyHeaders(multi)
  for (const [name, value] of Object.entries(parts.headers)) {
    replaceHeader(headers, name, value)
    replaceHeader(multi, name, [value])
  }
  if (parts.cookies.length > 0) {
    const joined = parts.cookies.join('; ')
    replaceHeader(headers, 'Cookie', joined)
    replaceHeader(multi, 'Cookie', [joined])
  }
  event.httpMethod = parts.method
  event.path = parts.path
  event.resource = parts.path
  const context = objectAt(event, 'requestContext')
  context.httpMethod = parts.method
  context.resourcePath = parts.path
  // REST puts the stage in front of the path in requestContext only.
  context.path = `/${String(context.stage ?? 'prod')}${parts.path}`
  context.requestId = randomUUID()
  event.queryStringParameters = parts.query ?? null
  event.multiValueQueryStringParameters = parts.query
    ? Object.fromEntries(Object.entries(parts.query).map(([name, value]) => [name, [value]]))
    : null
  event.body = parts.body ?? null
}

/** Payload 2.0 (HTTP API and Function URL): lower-case headers, cookies in `cookies`, no Cookie header. */
function placePayloadV2(event: Json, parts: RequestParts, routeKey: string): void {
  const headers = objectAt(event, 'headers')
  dropCapturedOnlyHeaders(headers)
  for (const [name, value] of Object.entries(parts.headers)) replaceHeader(headers, name.toLowerCase(), value)
  delete event.cookies
  if (parts.cookies.length > 0) event.cookies = [...parts.cookies]
  event.rawPath = parts.path
  event.routeKey = routeKey
  const context = objectAt(event, 'requestContext')
  context.routeKey = routeKey
  context.requestId = randomUUID()
  const http = objectAt(context, 'http')
  http.method = parts.method
  http.path = parts.path
  event.rawQueryString = parts.query ? encodeQuery(parts.query) : ''
  delete event.queryStringParameters
  if (parts.query) event.queryStringParameters = { ...parts.query }
  delete event.body
  if (parts.body !== undefined) event.body = parts.body
}

/**
 * ALB: lower-case header names; only one header map, the one the target
 * group's multi-value setting picks. ALB passes query values without
 * decoding them, so they are given URI-encoded.
 */
function placeAlb(event: Json, parts: RequestParts, multiValue: boolean): void {
  const headers = objectAt(event, multiValue ? 'multiValueHeaders' : 'headers')
  const wrap = (value: string): unknown => (multiValue ? [value] : value)
  dropCapturedOnlyHeaders(headers)
  for (const [name, value] of Object.entries(parts.headers)) replaceHeader(headers, name.toLowerCase(), wrap(value))
  if (parts.cookies.length > 0) replaceHeader(headers, 'cookie', wrap(parts.cookies.join('; ')))
  event.httpMethod = parts.method
  event.path = parts.path
  const query: Json = {}
  for (const [name, value] of Object.entries(parts.query ?? {})) {
    query[encodeURIComponent(name)] = wrap(encodeURIComponent(value))
  }
  delete event.queryStringParameters
  delete event.multiValueQueryStringParameters
  event[multiValue ? 'multiValueQueryStringParameters' : 'queryStringParameters'] = query
  event.body = parts.body ?? ''
}

/**
 * A request event of the given shape, built on a real AWS capture, with
 * method, path, headers, cookies, query and body placed exactly where AWS
 * delivers them:
 *
 * - `rest-api-v1`: `headers.Cookie` and `multiValueHeaders.Cookie` (one
 *   joined `a=1; b=2` string); method and path in `httpMethod`, `path`,
 *   `resource` and `requestContext`.
 * - `http-api-v2`, `function-url`: the `cookies` array and no Cookie header;
 *   method and path in `requestContext.http`, `rawPath` and `routeKey`.
 * - `alb`: `headers.cookie`; `alb-multi-value`: `multiValueHeaders.cookie`.
 *
 * Every call returns a fresh deep copy with a new `requestContext.requestId`
 * (API Gateway and Function URL shapes). The type parameter is a cast for
 * convenience, e.g. `buildHttpEvent<APIGatewayProxyEventV2>('http-api-v2')`.
 *
 * @param shape - one of {@link EventShapes}
 * @param options - what the client sends @default {}
 * @example
 * ```ts
 * const event = buildHttpEvent('rest-api-v1', {
 *   method: 'POST',
 *   path: '/cart/items',
 *   cookies: { sid: signedValue },
 *   body: { sku: 'A1', qty: 1 },
 * })
 * await handler(event, createLambdaContext())
 * ```
 */
export function buildHttpEvent<TEvent = HttpEvent>(shape: EventShapeName, options: BuildHttpEventOptions = {}): TEvent {
  const event = loadEventFixture(shape)
  const parts = requestParts(options)
  switch (shape) {
    case 'rest-api-v1':
      placeRestApiV1(event, parts)
      break
    case 'http-api-v2':
      placePayloadV2(event, parts, `${parts.method} ${parts.path}`)
      break
    case 'function-url':
      // Function URLs have no routes: every request is `$default`.
      placePayloadV2(event, parts, '$default')
      break
    case 'alb':
    case 'alb-multi-value':
      placeAlb(event, parts, shape === 'alb-multi-value')
      break
    default:
      throw new TypeError(`Unknown event shape '${String(shape)}'; use one of: ${EventShapes.join(', ')}.`)
  }
  event.isBase64Encoded = parts.isBase64Encoded
  return event as TEvent
}
