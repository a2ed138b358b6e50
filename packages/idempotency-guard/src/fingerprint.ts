import { hash } from 'node:crypto'
import { type HttpEvent, readHeader, readMethod, readPath } from '@lambda-session/core'

/**
 * JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` hash
 * alike. Built by appending to one string, without the per-level arrays a
 * `map().join()` would make: it runs on every guarded request.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '['
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ','
      // A hole stays empty, as `map().join()` left it: fingerprints must not change between versions.
      if (index in value) text += canonicalJson(value[index])
    }
    return `${text}]`
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    let text = '{'
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string
      if (index > 0) text += ','
      text += `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`
    }
    return `${text}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * The body in one canonical form whether or not a body parser ran before the
 * guard: a parsed object and the JSON text it came from give the same
 * string, so middleware order can't change the fingerprint.
 */
function canonicalBody(event: HttpEvent): string {
  const body: unknown = event.body
  if (body === undefined || body === null) return ''
  if (typeof body !== 'string') return canonicalJson(body)
  const text = event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body
  // Text that opens like JSON is tried first: it spares the header lookup on the usual JSON request.
  if (opensLikeJson(text) || /json/i.test(readHeader(event, 'content-type') ?? '')) {
    try {
      return canonicalJson(JSON.parse(text))
    } catch {
      // not JSON after all: the raw text is the payload
    }
  }
  return text
}

/** Whether the first character past leading JSON whitespace is `{` or `[`. */
function opensLikeJson(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === 0x7b || code === 0x5b) return true // `{` or `[`
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return false
  }
  return false
}

function queryOf(event: HttpEvent): string {
  const params = (event as { queryStringParameters?: Record<string, string | undefined> | null }).queryStringParameters
  return params ? canonicalJson(params) : ''
}

/**
 * Default payload fingerprint: SHA-256 over the method, path, query and
 * canonical body. Headers are left out on purpose: clients and proxies add
 * and reorder them between retries.
 */
export function defaultFingerprint(event: HttpEvent): string {
  // What `canonicalJson([method, path, query, body])` gives, written out: no array per request.
  return `[${JSON.stringify(readMethod(event))},${JSON.stringify(readPath(event))},${JSON.stringify(queryOf(event))},${JSON.stringify(canonicalBody(event))}]`
}

/** Hashes whatever the fingerprint function returned. */
export function hashFingerprint(value: unknown): string {
  const text = typeof value === 'string' ? value : canonicalJson(value)
  return hash('sha256', text, 'base64url')
}
