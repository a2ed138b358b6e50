import type { EventFormat } from './lambda-events.js'

/**
 * Turns what a handler returned into the HTTP response API Gateway would
 * send, with the gateway's own rules and error answers for each format.
 */

/** What goes on the wire. Headers as pairs, so every `Set-Cookie` stays its own header. */
export interface OutgoingResponse {
  statusCode: number
  headers: Array<[string, string]>
  body: Buffer
}

type Json = Record<string, unknown>

/** API Gateway's answer when the function failed (threw, timed out, returned garbage). */
export function gatewayError(format: EventFormat): OutgoingResponse {
  // HTTP API: 500 {"message":"Internal Server Error"}; REST: 502 {"message": "Internal server error"}.
  return format === 'v2'
    ? jsonResponse(500, { message: 'Internal Server Error' })
    : jsonResponse(502, { message: 'Internal server error' })
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Array<[string, string]> = [],
): OutgoingResponse {
  return {
    statusCode,
    headers: [['Content-Type', 'application/json'], ...headers],
    body: Buffer.from(JSON.stringify(body)),
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bodyOf(result: Json): Buffer | undefined {
  const { body, isBase64Encoded } = result
  if (body === undefined || body === null) return Buffer.alloc(0)
  if (typeof body !== 'string') return undefined
  return isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8')
}

function scalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

/**
 * Payload 2.0 rules: a result without `statusCode` is a 200 JSON body (a
 * string as is, anything else serialized); `cookies` become one
 * `Set-Cookie` each; header values are single (comma-joined) strings.
 */
function fromHttpApiResult(result: unknown): OutgoingResponse | undefined {
  if (!isObject(result) || !('statusCode' in result)) {
    if (result === undefined) return { statusCode: 200, headers: [], body: Buffer.alloc(0) }
    const body = typeof result === 'string' ? result : JSON.stringify(result)
    return { statusCode: 200, headers: [['Content-Type', 'application/json']], body: Buffer.from(body) }
  }
  const statusCode = Number(result.statusCode)
  const body = bodyOf(result)
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599 || !body) return undefined
  const headers: Array<[string, string]> = []
  for (const [name, value] of Object.entries(isObject(result.headers) ? result.headers : {})) {
    if (scalar(value)) headers.push([name, String(value)])
  }
  for (const cookie of Array.isArray(result.cookies) ? result.cookies : []) {
    if (typeof cookie === 'string') headers.push(['Set-Cookie', cookie])
  }
  return { statusCode, headers, body }
}

/**
 * REST proxy rules: `statusCode` is required; `headers` and
 * `multiValueHeaders` are merged, a name in both taking the multi-value list.
 */
function fromRestApiResult(result: unknown): OutgoingResponse | undefined {
  if (!isObject(result)) return undefined
  const statusCode = Number(result.statusCode)
  const body = bodyOf(result)
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599 || !body) return undefined
  const multi = isObject(result.multiValueHeaders) ? result.multiValueHeaders : {}
  const multiNames = new Set(Object.keys(multi).map((name) => name.toLowerCase()))
  const headers: Array<[string, string]> = []
  for (const [name, value] of Object.entries(isObject(result.headers) ? result.headers : {})) {
    if (scalar(value) && !multiNames.has(name.toLowerCase())) headers.push([name, String(value)])
  }
  for (const [name, values] of Object.entries(multi)) {
    for (const value of Array.isArray(values) ? values : []) if (scalar(value)) headers.push([name, String(value)])
  }
  return { statusCode, headers, body }
}

/** The response for a handler's result, or API Gateway's error answer for a malformed one. */
export function toHttpResponse(format: EventFormat, result: unknown): OutgoingResponse {
  return (format === 'v2' ? fromHttpApiResult(result) : fromRestApiResult(result)) ?? gatewayError(format)
}
