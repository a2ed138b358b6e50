import { parseCookie } from 'cookie'
import { detectEventShape, EventShape, type HttpEvent, readHeaderValues } from './http-event.js'

/**
 * Request cookies by name. A name can occur more than once (a cookie set for
 * two paths, or one tossed in from a sibling subdomain); every value is kept,
 * in the order the client sent them (the most specific path first, RFC 6265).
 */
export type RequestCookies = ReadonlyMap<string, readonly string[]>

/** Parsing happens once per event, however many middlewares ask. */
const parsedByEvent = new WeakMap<object, RequestCookies>()

/** Cookie headers above this size are ignored: no browser sends them, an attacker might. */
const MAX_COOKIE_HEADER_BYTES = 16 * 1024

function cookieStrings(event: HttpEvent): string[] {
  // HTTP API v2 and Function URLs split the Cookie header into `cookies` and
  // drop the header; the other shapes keep the raw header.
  if (detectEventShape(event) === EventShape.HttpApiV2) return Array.isArray(event.cookies) ? event.cookies : []
  return readHeaderValues(event, 'cookie')
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return value // malformed %-escapes: keep the raw text, never throw
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
  const cached = parsedByEvent.get(event)
  if (cached) return cached
  const cookies = new Map<string, string[]>()
  for (const header of cookieStrings(event)) {
    if (typeof header !== 'string' || header.length > MAX_COOKIE_HEADER_BYTES) continue
    // `cookie.parse` keeps only the first value of a repeated name, so split
    // the pairs ourselves and let it parse each one.
    for (const pair of header.split(';')) {
      if (!pair.includes('=')) continue // `cookie1` with no value: not a cookie we can use
      const parsed = parseCookie(pair, { decode: safeDecode })
      for (const name in parsed) {
        const value = parsed[name]
        if (value === undefined) continue
        const values = cookies.get(name)
        if (values) values.push(value)
        else cookies.set(name, [value])
      }
    }
  }
  parsedByEvent.set(event, cookies)
  return cookies
}
