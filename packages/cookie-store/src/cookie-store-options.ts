import { ConfigurationError } from '@lambda-session/core'

/**
 * The most a browser is sure to keep of one cookie: 4096 bytes for the whole
 * `Set-Cookie` line (name, value and attributes), RFC 6265's minimum, which
 * the browsers implement as their maximum. A longer cookie is dropped
 * silently, and with it the session.
 */
export const BROWSER_COOKIE_LIMIT_BYTES = 4096

/**
 * Options of {@link CookieSessionStore}. The keys come from the session
 * options' `secrets`, so there is nothing secret here.
 *
 * @example
 * ```ts
 * const store = new CookieSessionStore({ maxCookieBytes: 3072 }) // leave room for other cookies
 * ```
 */
export interface CookieSessionStoreOptions {
  /**
   * Largest `Set-Cookie` line (name, sealed value and attributes, in bytes)
   * the store will send; a session that would need more fails with a 413
   * `SessionCookieTooLargeError` before anything is sent. At most 4096.
   * @default 4096
   */
  maxCookieBytes?: number
}

/** The defaults of {@link CookieSessionStoreOptions}. */
export const cookieStoreDefaults = {
  maxCookieBytes: BROWSER_COOKIE_LIMIT_BYTES,
} as const

/**
 * `maxCookieBytes` if usable, else a `ConfigurationError`: a whole number up
 * to 4096, as browsers drop longer cookies silently.
 *
 * @example
 * ```ts
 * checkMaxCookieBytes(3072, '@lambda-session/cookie-store') // 3072
 * ```
 */
export function checkMaxCookieBytes(value: number, packageName: string): number {
  if (!Number.isInteger(value) || value < 1 || value > BROWSER_COOKIE_LIMIT_BYTES) {
    throw new ConfigurationError(
      `maxCookieBytes must be a whole number of bytes from 1 to ${BROWSER_COOKIE_LIMIT_BYTES} ` +
        `(browsers drop longer cookies silently), got ${value}.`,
      { package: packageName },
    )
  }
  return value
}
