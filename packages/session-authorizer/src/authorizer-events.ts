/**
 * The events API Gateway sends a Lambda authorizer and the answers it
 * accepts, declared structurally so `@types/aws-lambda` events (or
 * hand-written ones) fit without a cast.
 */

/** Values API Gateway accepts in an authorizer's `context`: it drops anything else. */
export type AuthorizerContextValue = string | number | boolean

/** API Gateway REST (and HTTP API payload 1.0) `REQUEST` authorizer event: cookies in the `Cookie` header. */
export interface RestRequestAuthorizerEvent {
  type: 'REQUEST'
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` */
  methodArn: string
  version?: string
  headers?: Record<string, string | undefined> | null
  multiValueHeaders?: Record<string, string[] | undefined> | null
}

/**
 * API Gateway REST `TOKEN` authorizer event. With the identity source
 * `method.request.header.Cookie`, `authorizationToken` is the whole Cookie header.
 */
export interface RestTokenAuthorizerEvent {
  type: 'TOKEN'
  methodArn: string
  authorizationToken: string
}

/** HTTP API `REQUEST` authorizer event, payload format 2.0: cookies in the `cookies` array. */
export interface HttpApiAuthorizerEvent {
  version: '2.0'
  type: 'REQUEST'
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` */
  routeArn: string
  cookies?: string[]
  headers?: Record<string, string | undefined> | null
  identitySource?: string[] | null
}

/** Every authorizer event {@link sessionAuthorizer} answers. */
export type SessionAuthorizerEvent = RestRequestAuthorizerEvent | RestTokenAuthorizerEvent | HttpApiAuthorizerEvent

/** One statement of an authorizer's IAM policy. */
export interface PolicyStatement {
  Action: 'execute-api:Invoke'
  Effect: 'Allow' | 'Deny'
  Resource: string
}

/** The IAM policy answer: REST APIs, and HTTP APIs without simple responses. */
export interface IamPolicyResponse {
  principalId: string
  policyDocument: { Version: '2012-10-17'; Statement: PolicyStatement[] }
  context?: Record<string, AuthorizerContextValue>
}

/** The simple answer of an HTTP API authorizer with `EnableSimpleResponses: true`. */
export interface SimpleAuthorizerResponse {
  isAuthorized: boolean
  context?: Record<string, AuthorizerContextValue>
}

/** What {@link sessionAuthorizer}'s handler resolves to. */
export type SessionAuthorizerResponse = IamPolicyResponse | SimpleAuthorizerResponse

/** Whether the event is an HTTP API payload 2.0 authorizer event. */
export function isHttpApiAuthorizerEvent(event: SessionAuthorizerEvent): event is HttpApiAuthorizerEvent {
  return (
    (event as HttpApiAuthorizerEvent).version === '2.0' &&
    typeof (event as HttpApiAuthorizerEvent).routeArn === 'string'
  )
}

/** The ARN of the method or route being called, whichever the event carries. */
export function calledArn(event: SessionAuthorizerEvent): string | undefined {
  if (isHttpApiAuthorizerEvent(event)) return event.routeArn
  const { methodArn } = event as RestRequestAuthorizerEvent
  return typeof methodArn === 'string' ? methodArn : undefined
}

/**
 * The resource an Allow/Deny covers. `'api'`: every method and path of the
 * called stage (`…:{apiId}/{stage}/*`), so an answer cached for one route is
 * right for the others; `'route'`: only the called method and path.
 */
export function policyResource(arn: string, scope: 'api' | 'route'): string {
  if (scope === 'route') return arn
  // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path…}
  const colon = arn.lastIndexOf(':')
  const [apiId, stage] = arn.slice(colon + 1).split('/')
  if (colon < 0 || !apiId || !stage) return arn
  return `${arn.slice(0, colon + 1)}${apiId}/${stage}/*`
}
