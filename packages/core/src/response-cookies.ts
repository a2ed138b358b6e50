import { detectEventShape, EventShape, type HttpEvent, type HttpResponse } from './http-event.js'

function isStructured(response: unknown): response is HttpResponse {
  return typeof response === 'object' && response !== null && typeof (response as HttpResponse).statusCode === 'number'
}

/**
 * Turns whatever the handler returned into a structured proxy response, the
 * way API Gateway HTTP API infers one: a string is the body, anything else is
 * JSON with status 200. Needed before a cookie can be attached.
 */
export function toStructuredResponse(response: unknown): HttpResponse {
  if (isStructured(response)) return response
  if (response === undefined) return { statusCode: 200, headers: {}, body: '' }
  if (typeof response === 'string') return { statusCode: 200, headers: {}, body: response }
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(response) }
}

/** Moves `Set-Cookie` values out of `headers` so each cookie is sent exactly once. */
function takeSingleValueSetCookies(response: HttpResponse): string[] {
  const taken: string[] = []
  const headers = response.headers
  if (!headers) return taken
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === 'set-cookie') {
      taken.push(String(headers[key]))
      delete headers[key]
    }
  }
  return taken
}

function multiValueSetCookieKey(response: HttpResponse): string {
  for (const key in response.multiValueHeaders ?? {}) {
    if (key.toLowerCase() === 'set-cookie') return key
  }
  return 'Set-Cookie'
}

/**
 * ALB without multi-value headers passes one value per header name; header
 * names are case-insensitive, so distinct casings carry extra cookies.
 */
function caseVariant(index: number): string {
  // Only letters have a case: the hyphen takes no bit, or variants would repeat.
  let out = ''
  let bit = 0
  for (const char of 'set-cookie') {
    if (char === '-') out += char
    else out += (index >> bit++) & 1 ? char.toUpperCase() : char
  }
  return out
}

/**
 * Adds `Set-Cookie` values where the event's shape needs them: the `cookies`
 * array for HTTP API v2 and Function URLs, `multiValueHeaders['Set-Cookie']`
 * for REST v1 and multi-value ALB, distinct header casings for single-value
 * ALB. Returns the (possibly normalised) response to send.
 *
 * @example
 * ```ts
 * request.response = appendSetCookies(request.event, request.response, ['sid=…; HttpOnly'])
 * ```
 */
export function appendSetCookies(event: HttpEvent, response: unknown, setCookies: readonly string[]): HttpResponse {
  const structured = toStructuredResponse(response)
  if (setCookies.length === 0) return structured
  switch (detectEventShape(event)) {
    case EventShape.HttpApiV2: {
      structured.cookies = [...(structured.cookies ?? []), ...setCookies]
      break
    }
    case EventShape.RestApiV1:
    case EventShape.AlbMultiValue: {
      const moved = takeSingleValueSetCookies(structured)
      const multi = structured.multiValueHeaders ?? {}
      const key = multiValueSetCookieKey(structured)
      multi[key] = [...(multi[key] ?? []), ...moved, ...setCookies]
      structured.multiValueHeaders = multi
      break
    }
    case EventShape.Alb: {
      const headers = structured.headers ?? {}
      const existing = takeSingleValueSetCookies(structured)
      const all = [...existing, ...setCookies]
      all.forEach((value, index) => {
        // XOR 9 maps 0 to 'Set-Cookie' (bits of S and C) and keeps every index distinct.
        headers[caseVariant(index ^ 9)] = value
      })
      structured.headers = headers
      break
    }
  }
  return structured
}
