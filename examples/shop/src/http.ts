import type { HttpResponse } from '@lambda-session/core'
import type middy from '@middy/core'
import { logger } from './logger.js'

/**
 * A JSON response. `Cache-Control: no-store` because every answer here is
 * someone's session: no shared cache may keep it.
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  }
}

/** A 4xx with `{ "message" }`, the shape every error of these apps has. */
export function clientError(statusCode: number, message: string): HttpResponse {
  return json(statusCode, { message })
}

/**
 * `@middy/http-error-handler`'s logger: 5xx with their cause (a 401 or a 409
 * is an answer, not a fault), through the apps' structured logger.
 */
export function logServerError(error: unknown): void {
  const statusCode = (error as { statusCode?: number } | null)?.statusCode ?? 500
  if (statusCode < 500) return
  const { name, message, cause } = error instanceof Error ? error : new Error(String(error))
  const origin = (cause as { package?: unknown } | undefined)?.package // lambda-session and Middy errors name their package
  logger.error('request failed', { statusCode, error: `${name}: ${message}`, package: origin })
}

/**
 * Turns the plain-text bodies `@middy/http-error-handler` writes into
 * `{ "message": … }` JSON, so clients parse one error shape. `.use()` it
 * first: `onError` runs in reverse order, so this runs after the handler.
 */
export const jsonErrorBodies = (): middy.MiddlewareObj => ({
  onError: function jsonErrorBodiesOnError(request) {
    const response = request.response as HttpResponse | undefined
    if (!response || typeof response.body !== 'string') return
    const headers = response.headers ?? {}
    const typeKey = Object.keys(headers).find((key) => key.toLowerCase() === 'content-type')
    if (typeKey && String(headers[typeKey]).startsWith('application/json')) return
    if (typeKey) delete headers[typeKey]
    response.headers = { ...headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }
    response.body = JSON.stringify({ message: response.body })
  },
})
