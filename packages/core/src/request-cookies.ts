import { detectEventShape, EventShape, type HttpEvent, readHeaderValues } from './http-event.js'

/**
 * Request cookies by name. A name can occur more than once (a cookie set for
 * two paths, or one tossed in from a sibling subdomain); every value is kept,
 * in the order the client sent them (the most specific path first, RFC 6265).
 */
export type RequestCookies = ReadonlyMap<string, readonly string[]>

/**
 * Parsing happens once per event, however many middlewares ask. They ask one
 * after another within an invocation (the cookie parser, the loader, the
 * saver), so remembering the last event answered is enough, and costs nothing
 * per request, where a memo kept on each event costs a property definition.
 * Invocations interleaved in one process only parse again.
 */
let lastEvent: object | undefined
let lastCookies: RequestCookies | undefined

/** Cookie headers above this size are ignored: no browser sends them, an attacker might. */
const MAX_COOKIE_HEADER_BYTES = 16 * 1024

function cookieStrings(event: HttpEvent): string[] {
  // HTTP API v2 and Function URLs split the Cookie header into `cookies` and
  // drop the header; the other shapes keep the raw header.
  if (detectEventShape(event) === EventShape.HttpApiV2) return Array.isArray(event.cookies) ? event.cookies : []
  return readHeaderValues(event, 'cookie')
}

/** Percent-decodes a cookie value; only values with a `%` pay for the call. Malformed escapes keep the raw text. */
function decodeValue(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value // malformed %-escapes: keep the raw text, never throw
  }
}

/** `text.slice(start, end)` without the spaces and tabs at either end (what the `cookie` package trims). */
function trimmedSlice(text: string, start: number, end: number): string {
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--
  return text.slice(start, end)
}

/**
 * Adds every `name=value` pair of one header to `cookies`, in order. A pair
 * is what lies between two `;`: the name before its first `=` and the value
 * after it, spaces and tabs trimmed, the value percent-decoded. Pairs without
 * `=` are skipped, as is a bare `=`. Unlike `cookie.parse`, a repeated name keeps every value.
 * One pass, no intermediate arrays or objects: this runs on every request.
 */
function addPairs(header: string, cookies: Map<string, string[]>): void {
  const length = header.length
  let start = 0
  // The next `=` at or after `start`, found once and reused while the pairs before it have none (keeps this linear).
  let equals = header.indexOf('=')
  while (start < length && equals !== -1) {
    let end = header.indexOf(';', start)
    if (end === -1) end = length
    if (equals < start) equals = header.indexOf('=', start)
    if (equals === -1) break
    // `=` alone is no pair (as in `cookie.parse`), but ` =` is one, with an empty name.
    if (equals < end && end - start >= 2) {
      const name = trimmedSlice(header, start, equals)
      const value = decodeValue(trimmedSlice(header, equals + 1, end))
      const values = cookies.get(name)
      if (values) values.push(value)
      else cookies.set(name, [value])
    }
    start = end + 1
  }
}

/**
 * Parses the cookies of any supported event shape (API Gateway REST v1, HTTP
 * API v2, ALB with single- or multi-value headers, Function URL). Malformed
 * input yields fewer cookies, never an exception.
 *
 * @example
 * ```ts
 * parseRequestCookies(event).get('sid') // ['abc.def'] or undefined
 * ```
 */
export function parseRequestCookies(event: HttpEvent): RequestCookies {
  if (event === lastEvent && lastCookies) return lastCookies
  const cookies = new Map<string, string[]>()
  for (const header of cookieStrings(event)) {
    if (typeof header !== 'string' || header.length > MAX_COOKIE_HEADER_BYTES) continue
    addPairs(header, cookies)
  }
  lastEvent = event
  lastCookies = cookies
  return cookies
}
