/**
 * The parts of the HTTP-shaped Lambda events this project reads and writes.
 * Deliberately structural and without index signatures, so any typing of
 * the events (`@types/aws-lambda` interfaces, Powertools' schemas, a
 * hand-written interface) is assignable to it.
 */

/** A request event from API Gateway REST (v1), HTTP API (v2), ALB or a Function URL. */
export interface HttpEvent {
  version?: string
  headers?: Record<string, string | undefined> | null
  multiValueHeaders?: Record<string, string[] | undefined> | null
  cookies?: string[]
  httpMethod?: string
  path?: string
  rawPath?: string
  body?: string | null
  isBase64Encoded?: boolean
  requestContext?: {
    elb?: unknown
    http?: { method?: string; path?: string }
  }
}

/** A structured proxy response (the union of every shape's fields). */
export interface HttpResponse {
  statusCode: number
  headers?: Record<string, string | number | boolean>
  multiValueHeaders?: Record<string, Array<string | number | boolean>>
  cookies?: string[]
  body?: string
  isBase64Encoded?: boolean
  [key: string]: unknown
}

/**
 * Which event shape a request came in. Function URLs use the HTTP API v2
 * payload, so they share `http-api-v2`.
 */
export const EventShape = {
  RestApiV1: 'rest-api-v1',
  HttpApiV2: 'http-api-v2',
  Alb: 'alb',
  AlbMultiValue: 'alb-multi-value',
} as const

/** One of {@link EventShape}'s values. */
export type EventShape = (typeof EventShape)[keyof typeof EventShape]

/**
 * Tells the event shape apart by the fields AWS always sets.
 *
 * @example
 * ```ts
 * detectEventShape(event) // 'http-api-v2' for HTTP API and Function URL events
 * ```
 */
export function detectEventShape(event: HttpEvent): EventShape {
  if (event.version === '2.0') return EventShape.HttpApiV2
  if (event.requestContext?.elb !== undefined) {
    return event.multiValueHeaders ? EventShape.AlbMultiValue : EventShape.Alb
  }
  return EventShape.RestApiV1
}

/**
 * Whether header `key` is `lower` (an already lower-cased name), ignoring
 * case. The length check and the exact match spare a `toLowerCase()` per
 * header for all the names that can't match or already are lower case (HTTP
 * API v2 lower-cases them all).
 */
function isHeaderNamed(key: string, lower: string): boolean {
  return key === lower || (key.length === lower.length && key.toLowerCase() === lower)
}

/**
 * Every value of a request header, whatever its case, from `multiValueHeaders`
 * when the event has them (they hold all the values) and `headers` otherwise.
 */
export function readHeaderValues(event: HttpEvent, name: string): string[] {
  const lower = name.toLowerCase()
  const multi = event.multiValueHeaders
  if (multi) {
    const values: string[] = []
    for (const key in multi) {
      const list = multi[key]
      if (!Array.isArray(list) || !isHeaderNamed(key, lower)) continue
      for (const value of list) if (typeof value === 'string') values.push(value)
    }
    if (values.length > 0) return values
  }
  const single = event.headers
  if (single) {
    for (const key in single) {
      const value = single[key]
      if (typeof value === 'string' && isHeaderNamed(key, lower)) return [value]
    }
  }
  return []
}

/**
 * The first value of a request header, case-insensitively, or `undefined`:
 * `readHeaderValues(event, name)[0]`, without building the list.
 */
export function readHeader(event: HttpEvent, name: string): string | undefined {
  const lower = name.toLowerCase()
  const multi = event.multiValueHeaders
  if (multi) {
    for (const key in multi) {
      const list = multi[key]
      if (!Array.isArray(list) || !isHeaderNamed(key, lower)) continue
      for (const value of list) if (typeof value === 'string') return value
    }
  }
  const single = event.headers
  if (single) {
    for (const key in single) {
      const value = single[key]
      if (typeof value === 'string' && isHeaderNamed(key, lower)) return value
    }
  }
  return undefined
}

/** The request method, upper-case, from whichever field the shape uses. */
export function readMethod(event: HttpEvent): string {
  return (event.requestContext?.http?.method ?? event.httpMethod ?? '').toUpperCase()
}

/** The request path, from whichever field the shape uses. */
export function readPath(event: HttpEvent): string {
  return event.rawPath ?? event.requestContext?.http?.path ?? event.path ?? '/'
}
