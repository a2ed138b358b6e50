import { type HttpEvent, type Logger, parseRequestCookies, silentLogger } from '@lambda-session/core'
import type { MiddlewareObj, Request } from '@middy/core'

/**
 * What the middleware adds to the event: `parsedCookies`, the first value of
 * each request cookie by name. Intersect it with your event type, or let
 * `middy().use(httpCookieParser())` do it for you.
 *
 * @example
 * ```ts
 * const handler = async (event: APIGatewayProxyEventV2 & ParsedCookiesEvent) => event.parsedCookies.theme
 * ```
 */
export interface ParsedCookiesEvent {
  /** Cookie values by name (decoded); the first one the client sent when a name repeats. */
  parsedCookies: Record<string, string>
}

/**
 * Options of {@link httpCookieParser}.
 *
 * @example
 * ```ts
 * httpCookieParser({ logger: new Logger({ serviceName: 'shop' }) }) // Powertools, or `console`
 * ```
 */
export interface HttpCookieParserOptions {
  /**
   * Anything console-shaped (Powertools' `Logger` included). Gets a `debug`
   * line per request with how many cookies were read and how many names
   * repeated (a sign of cookie tossing from a sibling domain). Never cookie
   * names or values.
   * @default a silent logger
   */
  logger?: Logger
}

const defaults = {
  logger: silentLogger,
} as const satisfies Required<HttpCookieParserOptions>

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** Objects whose prototype is an empty null-prototype object: no inherited members, yet not in dictionary mode. */
const NameCollector = function NameCollector() {} as unknown as new () => Record<string, string>
NameCollector.prototype = Object.create(null)

/**
 * First value per name. A null-prototype object, so a cookie called
 * `__proto__` or `constructor` is just a key, and a name the client never
 * sent reads as `undefined` rather than an `Object.prototype` member.
 */
function firstValues(event: HttpEvent, logger: Logger): Record<string, string> {
  const cookies = parseRequestCookies(event) // never throws: unreadable fields just hold no cookies
  // Collected in an object with a null-prototype prototype first, then copied:
  // V8 adds names (fresh strings cut from the header) to such an object
  // through its inline caches, but to an `Object.create(null)` one, which is a
  // hash table from the start, only through a runtime call per name. The copy
  // then moves names V8 has already interned, which is cheap. About 1 µs a request.
  const collected = new NameCollector()
  let repeatedNames = 0
  for (const [name, values] of cookies) {
    const first = values[0]
    if (first !== undefined) collected[name] = first
    if (values.length > 1) repeatedNames++
  }
  const result = Object.assign(Object.create(null) as Record<string, string>, collected)
  // The default logger drops it anyway: spare the details object on every request.
  if (logger !== silentLogger) {
    logger.debug('http-cookie-parser: request cookies parsed', {
      package: '@lambda-session/http-cookie-parser',
      cookies: cookies.size,
      repeatedNames,
    })
  }
  return result
}

/**
 * Middy middleware that parses request cookies from API Gateway REST (v1),
 * HTTP API (v2), ALB (single- and multi-value headers) and Function URL
 * events into `event.parsedCookies`. Parsing goes through core's
 * `parseRequestCookies`, which remembers the event it last parsed, so the session
 * middlewares after it reuse the result. Never throws: malformed, valueless
 * or oversized cookies are skipped.
 *
 * @param opts - {@link HttpCookieParserOptions} @default {}
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { httpCookieParser } from '@lambda-session/http-cookie-parser'
 *
 * export const handler = middy()
 *   .use(httpCookieParser())
 *   .handler(async (event) => ({ statusCode: 200, body: event.parsedCookies.theme ?? 'light' }))
 * ```
 */
export function httpCookieParser(opts: HttpCookieParserOptions = {}): MiddlewareObj<ParsedCookiesEvent> {
  const options = { ...defaults, ...opts }
  const logger = options.logger ?? defaults.logger // `logger: undefined` means the default too

  const httpCookieParserMiddlewareBefore = (request: Request<ParsedCookiesEvent>): void => {
    const event: unknown = request.event
    if (!isObject(event)) return // nothing to read cookies from, nowhere to put them
    event.parsedCookies = firstValues(event as HttpEvent, logger)
  }

  return { before: httpCookieParserMiddlewareBefore }
}
