/**
 * Shape-independent pieces of a built request: the cookie pairs, the body
 * text and the headers, worked out once and then placed per shape.
 */

/**
 * What {@link buildHttpEvent} takes: what the client sends.
 *
 * @example
 * ```ts
 * const options: BuildHttpEventOptions = { method: 'POST', path: '/login', body: { userId: 'u1' } }
 * ```
 */
export interface BuildHttpEventOptions {
  /** The request method. @default 'GET' */
  method?: string
  /** The request path, starting with `/`. @default '/' */
  path?: string
  /**
   * Request headers, merged over the capture's (a name given here replaces
   * the capture's header of that name, whatever its case). A `Cookie` header
   * is moved to where the shape carries cookies, ahead of `cookies`.
   * @default {}
   */
  headers?: Record<string, string>
  /**
   * Cookies the client sends. An object's values are URI-encoded the way
   * `cookie.serialize` encodes them; an array holds raw `name=value` pairs,
   * sent verbatim, duplicates and all (e.g. `['sid=a', 'sid=b']`).
   * @default no cookies
   */
  cookies?: Record<string, string> | readonly string[]
  /** The body; an object is sent as JSON with `content-type: application/json`. @default no body */
  body?: string | object
  /** Deliver the body base64-encoded, as AWS does for binary media types. @default false */
  isBase64Encoded?: boolean
  /** Query string parameters (decoded values). @default none */
  query?: Record<string, string>
}

/** The request as every shape sees it, before placement. */
export interface RequestParts {
  method: string
  path: string
  /** Non-cookie headers, names as given. */
  headers: Record<string, string>
  /** `name=value` pairs in the order the client sends them. */
  cookies: string[]
  body: string | undefined
  isBase64Encoded: boolean
  query: Record<string, string> | undefined
}

function splitCookieHeader(header: string): string[] {
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name)
}

/** Normalises the options into the parts every shape places. */
export function requestParts(options: BuildHttpEventOptions): RequestParts {
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    // AWS never shows HTTP API a Cookie header, so the builder treats one
    // given here as cookies and lets each shape place them.
    if (name.toLowerCase() === 'cookie') cookies.push(...splitCookieHeader(value))
    else headers[name] = value
  }
  if (Array.isArray(options.cookies)) cookies.push(...options.cookies)
  else if (options.cookies) {
    for (const [name, value] of Object.entries(options.cookies)) cookies.push(`${name}=${encodeURIComponent(value)}`)
  }

  let body: string | undefined
  if (typeof options.body === 'string') body = options.body
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json'
  }
  const isBase64Encoded = options.isBase64Encoded === true && body !== undefined
  if (isBase64Encoded) body = Buffer.from(body as string, 'utf8').toString('base64')

  const query = options.query && Object.keys(options.query).length > 0 ? { ...options.query } : undefined
  return {
    method: (options.method ?? 'GET').toUpperCase(),
    path: options.path ?? '/',
    headers,
    cookies,
    body,
    isBase64Encoded,
    query,
  }
}

/** Sets `name` in a header map, dropping the capture's header of the same name in any case. */
export function replaceHeader(target: Record<string, unknown>, name: string, value: unknown): void {
  const lower = name.toLowerCase()
  for (const key of Object.keys(target)) {
    if (key.toLowerCase() === lower) delete target[key]
  }
  target[name] = value
}

/** `a=1&b=2`, URI-encoded, as a client puts it on the wire. */
export function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&')
}
