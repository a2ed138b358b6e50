import { type EventFormat, executeApiArn, toAuthorizerEvent } from './lambda-events.js'
import { jsonResponse, type OutgoingResponse } from './lambda-responses.js'
import type { SamAuthorizer } from './sam-template.js'

/**
 * A Lambda authorizer in front of a route, the way API Gateway runs it: a
 * missing identity source is a 401 without calling the authorizer; a
 * denial is a 403; an authorizer that fails is a 500; an allowed request
 * reaches the function with the authorizer's context in
 * `requestContext.authorizer`.
 */

type Json = Record<string, unknown>

/** How the server calls a function (a Lambda invocation: its own context and timeout). */
export type Invoke = (
  functionId: string,
  event: Json,
) => Promise<{ ok: true; result: unknown } | { ok: false; error: unknown }>

export type AuthorizerOutcome = { allowed: true; authorizer: Json } | { allowed: false; response: OutgoingResponse }

function denied(response: OutgoingResponse): AuthorizerOutcome {
  return { allowed: false, response }
}

function matches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.')
  return new RegExp(`^${regex}$`).test(arn)
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value]
}

/** IAM evaluation of an authorizer's policy for one ARN: an explicit Deny wins, else an Allow is needed. */
export function evaluatePolicy(policyDocument: unknown, arn: string): 'allow' | 'deny' | 'implicit-deny' {
  let allowed = false
  for (const statement of asList((policyDocument as { Statement?: unknown } | null)?.Statement)) {
    const { Effect, Action, Resource } = (statement ?? {}) as Json
    const actions = asList(Action).filter((a): a is string => typeof a === 'string')
    if (!actions.some((action) => matches(action, 'execute-api:Invoke'))) continue
    const resources = asList(Resource).filter((r): r is string => typeof r === 'string')
    if (!resources.some((resource) => matches(resource, arn))) continue
    if (Effect === 'Deny') return 'deny'
    if (Effect === 'Allow') allowed = true
  }
  return allowed ? 'allow' : 'implicit-deny'
}

function contextOf(result: Json): Json {
  const context = result.context
  return typeof context === 'object' && context !== null ? (context as Json) : {}
}

/** Runs `authorizer` for a request event and says whether the request goes on. */
export async function runAuthorizer(options: {
  format: EventFormat
  authorizer: SamAuthorizer
  route: { method: string; path: string }
  requestEvent: Json
  headers: Array<[string, string]>
  invoke: Invoke
}): Promise<AuthorizerOutcome> {
  const { format, authorizer, route, requestEvent, headers, invoke } = options
  const identitySource: string[] = []
  for (const name of authorizer.identityHeaders) {
    const value = headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]
    if (value === undefined || value === '') return denied(jsonResponse(401, { message: 'Unauthorized' }))
    identitySource.push(value)
  }
  const event = toAuthorizerEvent(format, requestEvent, route, identitySource)
  const started = Date.now()
  const outcome = await invoke(authorizer.functionId, event)
  if (!outcome.ok) {
    // REST lets an authorizer answer 401 by failing with exactly "Unauthorized".
    if (format === 'v1' && (outcome.error as Error | undefined)?.message === 'Unauthorized') {
      return denied(jsonResponse(401, { message: 'Unauthorized' }))
    }
    return denied(
      format === 'v2' ? jsonResponse(500, { message: 'Internal Server Error' }) : jsonResponse(500, { message: null }),
    )
  }
  const result = (outcome.result ?? {}) as Json

  if (format === 'v2' && authorizer.simpleResponses) {
    return result.isAuthorized === true
      ? { allowed: true, authorizer: { lambda: contextOf(result) } }
      : denied(jsonResponse(403, { message: 'Forbidden' }))
  }
  const verdict = evaluatePolicy(result.policyDocument, executeApiArn(format, route.method, route.path))
  if (verdict !== 'allow') {
    if (format === 'v2') return denied(jsonResponse(403, { message: 'Forbidden' }))
    return denied(
      jsonResponse(403, {
        Message:
          verdict === 'deny'
            ? 'User is not authorized to access this resource with an explicit deny'
            : 'User is not authorized to access this resource',
      }),
    )
  }
  if (format === 'v2') return { allowed: true, authorizer: { lambda: contextOf(result) } }
  return {
    allowed: true,
    authorizer: { ...contextOf(result), principalId: result.principalId, integrationLatency: Date.now() - started },
  }
}
