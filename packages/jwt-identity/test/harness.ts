import type { HttpResponse, Logger } from '@lambda-session/core'
import { type IdentityContext, type JwtIdentityOptions, jwtIdentity } from '@lambda-session/jwt-identity'
import { buildHttpEvent, createLambdaContext, type EventShapeName } from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'

/** One logged line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  details?: Record<string, unknown>
}

/** A logger that keeps what it is given. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push({ level, message, details })
    }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** A handler behind `jwtIdentity` that answers with what it saw in `context.identity`; counts its runs. */
export function identityHandler(options: JwtIdentityOptions) {
  const runs = { count: 0 }
  const handler = middy(async (_event: unknown, context: IdentityContext) => {
    runs.count++
    return { statusCode: 200, body: JSON.stringify({ identity: context.identity ?? null }) }
  })
    .use(jwtIdentity(options))
    .use(httpErrorHandler({ logger: false }))
  return Object.assign(handler, { runs })
}

/** What the client sends. */
export interface ClientRequest {
  shape?: EventShapeName
  /** Sent as `Authorization: Bearer <token>`. */
  bearer?: string
  headers?: Record<string, string>
  cookies?: Record<string, string> | string[]
}

export async function call(
  handler: ReturnType<typeof identityHandler>,
  { shape = 'http-api-v2', bearer, headers = {}, cookies }: ClientRequest = {},
): Promise<HttpResponse> {
  const allHeaders = bearer === undefined ? headers : { Authorization: `Bearer ${bearer}`, ...headers }
  const event = buildHttpEvent(shape, { method: 'GET', path: '/me', headers: allHeaders, cookies })
  return (await handler(event as never, createLambdaContext() as never)) as HttpResponse
}

/** The identity the handler saw, from its answer. */
export function identityOf(response: HttpResponse): { sub: string; source: string; claims: Record<string, unknown> } {
  if (response.statusCode !== 200) throw new Error(`expected 200, got ${response.statusCode}: ${response.body}`)
  return JSON.parse(response.body ?? 'null').identity
}
