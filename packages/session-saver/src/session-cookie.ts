import type { ResolvedSessionOptions } from '@lambda-session/core'
import { stringifySetCookie } from 'cookie'

/** The `Set-Cookie` value carrying a signed session id. */
export function sessionCookie(id: string, options: ResolvedSessionOptions): string {
  return stringifySetCookie({
    ...options.cookie,
    name: options.cookieName,
    value: options.codec.sign(options.cookieName, id),
  })
}

/** The `Set-Cookie` value that makes the browser drop the session cookie. */
export function expiredSessionCookie(options: ResolvedSessionOptions): string {
  return stringifySetCookie({
    ...options.cookie,
    name: options.cookieName,
    value: '',
    maxAge: 0,
    expires: new Date(0),
  })
}
