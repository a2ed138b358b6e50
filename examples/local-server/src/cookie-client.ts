import { CookieJar } from 'tough-cookie'

/** A response, read whole. */
export interface ClientResponse {
  status: number
  headers: Headers
  /** Every `Set-Cookie` header, one entry each. */
  setCookies: string[]
  text: string
  json<T = Record<string, unknown>>(): T
}

export interface RequestOptions {
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown
  headers?: Record<string, string>
  /** A `Cookie` header to send instead of the jar's (e.g. a stolen or stale one); `false` sends none. */
  cookie?: string | false
}

/**
 * An HTTP client with a real cookie jar (`tough-cookie`, RFC 6265: domain,
 * path, expiry, `Secure` on loopback as browsers do), the way a browser
 * would keep the session cookie between requests.
 */
export function cookieClient(baseUrl: string) {
  const jar = new CookieJar()

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<ClientResponse> {
    const url = new URL(path, baseUrl).href
    const headers: Record<string, string> = { ...options.headers }
    const cookie = options.cookie === undefined ? await jar.getCookieString(url) : options.cookie
    if (cookie) headers.cookie = cookie
    let body: string | undefined
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] ??= 'application/json'
    }
    const response = await fetch(url, { method, headers, body, redirect: 'manual' })
    const setCookies = response.headers.getSetCookie()
    for (const setCookie of setCookies) await jar.setCookie(setCookie, url)
    const text = await response.text()
    return { status: response.status, headers: response.headers, setCookies, text, json: () => JSON.parse(text) }
  }

  return {
    jar,
    request,
    get: (path: string, options?: RequestOptions) => request('GET', path, options),
    post: (path: string, options?: RequestOptions) => request('POST', path, options),
    /** The `Cookie` header the jar would send to `path` now. */
    cookieHeader: (path = '/') => jar.getCookieString(new URL(path, baseUrl).href),
  }
}
