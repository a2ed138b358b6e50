import type { HttpEvent } from '@lambda-session/core'
import { type BuildHttpEventOptions, buildHttpEvent, EventShapes } from '@lambda-session/testing'
import fc from 'fast-check'

/** A lone half of a surrogate pair: valid in a JS string, not in UTF-8. */
const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff')

/** One character of any kind: any code point, now and then a lone surrogate or a character cookies care about. */
const anyChar = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 6, arbitrary: fc.constantFrom(';', '=', ',', ' ', '"', '%', '.', '\\', '\t', '\u0000', '%2E', '%3D') },
  { weight: 1, arbitrary: loneSurrogate },
)

/** Any string, of any characters. */
export const anyString = (maxLength = 40) => fc.array(anyChar, { maxLength }).map((chars) => chars.join(''))

/**
 * Object member names: any string, and now and then one every plain object
 * inherits (`__proto__` above all), which an object built by `JSON.parse`
 * holds as an ordinary member and a store must keep as one.
 */
const memberName = fc.oneof(
  { weight: 6, arbitrary: anyString(12) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf') },
)

/** Any JSON value: any strings (lone surrogates included), numbers, nesting, members named `__proto__`. */
export const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    anyString(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(memberName, tie('value'), { maxKeys: 4 }),
  ),
})).value

/** A value nested `depth` levels deep in arrays and objects. */
export const deeplyNested = fc
  .tuple(
    fc.integer({ min: 1, max: 40 }),
    fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    fc.jsonValue({ maxDepth: 1 }),
  )
  .map(([depth, kinds, leaf]) => {
    let value: unknown = leaf
    for (let level = 0; level < depth; level++) value = kinds[level] ? [value] : { level: value }
    return { depth, value }
  })

/** Header names: the ones the chain reads, in any case, and random ones. */
const headerName = fc.oneof(
  fc.constantFrom('Cookie', 'cookie', 'COOKIE', 'Idempotency-Key', 'idempotency-key', 'Content-Type', 'content-type'),
  fc.string({ minLength: 1, maxLength: 20 }),
)

/** The app's routes with a plausible body, so most cases get past routing and touch the store. */
const routeRequest = fc.oneof(
  fc.record({ method: fc.constant('POST'), path: fc.constant('/login'), body: fc.record({ userId: anyString(20) }) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/cart/items'), body: fc.record({ sku: anyString(20) }) }),
  fc.record({ method: fc.constant('GET'), path: fc.constant('/cart'), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/checkout'), body: fc.constant(undefined) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/counter'), body: fc.constant(undefined) }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/value'),
    body: fc.record({
      key: fc.constantFrom('a', 'b', 'profile'),
      value: fc.jsonValue({ maxDepth: 3 }).map(toStorable),
    }),
  }),
  fc.record({ method: fc.constant('GET'), path: fc.constant('/whoami'), body: fc.constant(undefined) }),
)

/** Any method and path, and any body. */
const randomRequest = fc.record({
  method: fc.oneof(
    fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'post', ''),
    anyString(10),
  ),
  path: fc.oneof(fc.constantFrom('/', '/cart', '/checkout', '/value/read', '/whoami/'), anyString(30)),
  body: fc.option(fc.oneof(anyString(80), anyJson), { nil: undefined }),
})

/** Cookie pairs: garbage, or one of the given valid `sid` values (maybe tampered), or both. */
const cookiePairs = (sids: readonly string[]) =>
  fc.array(
    fc.oneof(
      { weight: 2, arbitrary: anyString(60) },
      { weight: 2, arbitrary: anyString(60).map((value) => `sid=${value}`) },
      ...(sids.length > 0
        ? [
            { weight: 3, arbitrary: fc.constantFrom(...sids).map((sid) => `sid=${sid}`) },
            {
              weight: 1,
              arbitrary: fc
                .tuple(fc.constantFrom(...sids), fc.nat(), anyString(3))
                .map(
                  ([sid, at, text]) => `sid=${sid.slice(0, at % sid.length)}${text}${sid.slice((at % sid.length) + 1)}`,
                ),
            },
          ]
        : []),
    ),
    { maxLength: 3 },
  )

/**
 * Any request event of any shape, then damaged: fields missing, null, or of
 * the wrong shape. Most are aimed at a real route with a plausible body and,
 * when `sids` are given, a valid session cookie, so the cases reach the
 * store; the rest are random.
 */
export function anyEvent(sids: readonly string[] = []): fc.Arbitrary<HttpEvent> {
  return fc
    .record({
      shape: fc.constantFrom(...EventShapes),
      request: fc.oneof({ weight: 3, arbitrary: routeRequest }, { weight: 1, arbitrary: randomRequest }),
      headers: fc.dictionary(headerName, anyString(60), { maxKeys: 4 }),
      idempotencyKey: fc.option(fc.oneof(fc.uuid(), anyString(20)), { nil: undefined }),
      cookies: cookiePairs(sids),
      isBase64Encoded: fc.boolean(),
      damage: fc.array(
        fc.constantFrom(
          'no-headers',
          'null-headers',
          'no-multi',
          'null-multi',
          'null-in-multi',
          'multi-cookies',
          'no-cookies',
          'cookies-null-element',
          'no-request-context',
          'null-body',
          'no-method',
          'no-path',
          'version-2',
          'elb',
          'null-header-value',
        ),
        { maxLength: 3 },
      ),
    })
    .map(({ shape, request, headers, idempotencyKey, cookies, isBase64Encoded, damage }) => {
      const options: BuildHttpEventOptions = { method: request.method, path: request.path, cookies }
      options.headers = idempotencyKey === undefined ? headers : { ...headers, 'Idempotency-Key': idempotencyKey }
      if (request.body !== undefined)
        options.body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body)
      // A base64 flag on a body that isn't base64 is part of the damage; on a JSON body it is encoded properly.
      if (isBase64Encoded) options.isBase64Encoded = true
      const event = buildHttpEvent(shape, options) as HttpEvent & Record<string, unknown>
      for (const harm of damage) damageEvent(event, harm)
      return event as HttpEvent
    })
}

function damageEvent(event: Record<string, unknown>, harm: string): void {
  const multi = event.multiValueHeaders as Record<string, unknown> | null | undefined
  const headers = event.headers as Record<string, unknown> | null | undefined
  switch (harm) {
    case 'no-headers':
      delete event.headers
      break
    case 'null-headers':
      event.headers = null
      break
    case 'no-multi':
      delete event.multiValueHeaders
      break
    case 'null-multi':
      event.multiValueHeaders = null
      break
    case 'null-in-multi':
      if (multi) for (const key of Object.keys(multi)) multi[key] = [null, ...((multi[key] as unknown[]) ?? [])]
      break
    case 'multi-cookies':
      event.multiValueHeaders = { ...(multi ?? {}), Cookie: ['sid=a.b', 'sid=c; x=1', ''] }
      break
    case 'no-cookies':
      delete event.cookies
      break
    case 'cookies-null-element':
      event.cookies = [null, ...((event.cookies as unknown[]) ?? [])]
      break
    case 'no-request-context':
      delete event.requestContext
      break
    case 'null-body':
      event.body = null
      break
    case 'no-method':
      delete event.httpMethod
      if (event.requestContext && typeof event.requestContext === 'object') {
        delete (event.requestContext as { http?: { method?: string } }).http?.method
      }
      break
    case 'no-path':
      delete event.path
      delete event.rawPath
      break
    case 'version-2':
      event.version = '2.0'
      break
    case 'elb':
      event.requestContext = { elb: { targetGroupArn: 'arn' } }
      break
    case 'null-header-value':
      if (headers) for (const key of Object.keys(headers)) headers[key] = null
      break
  }
}

/** DynamoDB's number range (what the session store accepts). */
const DYNAMODB_NUMBER_CEILING = 1e126
const DYNAMODB_SMALLEST_NUMBER = 1e-130

/**
 * Nesting a session value may have: DynamoDB allows an attribute 32 levels,
 * counting the attribute as the first and the scalar at the bottom as the
 * last, and the session's `data` map is the first (measured on DynamoDB
 * Local: 30 nested arrays or objects under `data` store, 31 are refused, by
 * `PutItem` and `UpdateItem` alike). Deeper values must be refused by the
 * store before any write.
 */
export const MAX_VALUE_NESTING = 30

/** How many containers deep a JSON value goes (`1` → 0, `[[1]]` → 2). */
export function nestingOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(nestingOf))
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(nestingOf))
  return 0
}

/** A half of a surrogate pair without its other half: valid in a JS string, not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `String.prototype.isWellFormed` (ES2024), which the project's TypeScript lib predates. */
function isWellFormed(text: string): boolean {
  return !new RegExp(LONE_SURROGATE.source).test(text)
}

/** `String.prototype.toWellFormed` (ES2024): lone surrogates become U+FFFD. */
function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd')
}

/** Whether a JSON value is one DynamoDB can store: in-range numbers, no empty object keys, well-formed strings, bounded nesting. */
export function isStorable(value: unknown): boolean {
  const walk = (node: unknown): boolean => {
    if (typeof node === 'number') {
      const size = Math.abs(node)
      return size === 0 || (size < DYNAMODB_NUMBER_CEILING && size >= DYNAMODB_SMALLEST_NUMBER)
    }
    if (typeof node === 'string') return isWellFormed(node)
    if (Array.isArray(node)) return node.every(walk)
    if (typeof node === 'object' && node !== null) {
      return Object.entries(node).every(([key, member]) => key !== '' && isWellFormed(key) && walk(member))
    }
    return true
  }
  return nestingOf(value) <= MAX_VALUE_NESTING && walk(value)
}

/** Makes any JSON value storable: out-of-range numbers become 0, empty keys `_`, lone surrogates U+FFFD. */
export function toStorable(value: unknown): unknown {
  if (typeof value === 'number') return isStorable(value) ? value : 0
  if (typeof value === 'string') return toWellFormed(value)
  if (Array.isArray(value)) return value.map(toStorable)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [toWellFormed(key) || '_', toStorable(member)]),
    )
  }
  return value
}

/** A JSON value as the session holds it: what `JSON.parse(JSON.stringify(v))` gives (`-0` is `0`). */
export function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? 'null')
}

/** Any storable JSON value: every unicode plane, control characters, deep nesting up to the limit. */
export const storableJson = fc
  .oneof({ weight: 4, arbitrary: anyJson }, { weight: 1, arbitrary: deeplyNested.map(({ value }) => value) })
  .map((value) => {
    const storable = asJson(toStorable(value))
    return nestingOf(storable) <= MAX_VALUE_NESTING ? storable : null
  })
