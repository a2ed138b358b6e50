import { randomBytes, randomUUID } from 'node:crypto'

/**
 * Turns an HTTP request into the event API Gateway would send, field for
 * field as in real captures (`packages/testing/fixtures/aws-events`):
 * HTTP API payload 2.0 (lower-case headers joined by commas, cookies split
 * into `cookies`, binary bodies base64-encoded) or REST proxy events
 * (headers as sent plus `multiValueHeaders`, the Cookie header kept).
 */

/** What the server read from the socket. */
export interface IncomingRequest {
  method: string
  /** The path as sent, without the query string. */
  rawPath: string
  /** The query string as sent, without `?`. */
  rawQuery: string
  /** Header name/value pairs in the order and case they were sent. */
  headers: Array<[string, string]>
  body: Buffer
  sourceIp: string
  protocol: string
}

/** Which event shape the server sends. */
export type EventFormat = 'v1' | 'v2'

/** The fixed identity of the local "API". */
export const LOCAL_API = {
  accountId: '123456789012',
  apiId: 'local',
  region: 'us-east-1',
  /** HTTP APIs have a `$default` stage; REST APIs need a named one. */
  stage: { v1: 'local', v2: '$default' },
} as const

type Json = Record<string, unknown>

/** Content types HTTP API passes as text; any other body arrives base64-encoded. */
function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return (
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/graphql'
  )
}

/**
 * The request's headers plus the `X-Forwarded-*` headers API Gateway adds
 * (unless the client sent its own), in the client's order and case.
 */
function withForwardedHeaders(request: IncomingRequest, casing: 'lower' | 'title'): Array<[string, string]> {
  const host = headerValue(request, 'host') ?? ''
  const added: Array<[string, string]> = [
    ['X-Forwarded-For', request.sourceIp],
    ['X-Forwarded-Port', host.includes(':') ? (host.split(':').at(-1) as string) : '80'],
    ['X-Forwarded-Proto', 'http'],
  ]
  const missing = added.filter(([name]) => headerValue(request, name) === undefined)
  return [
    ...request.headers,
    ...missing.map(([name, value]): [string, string] => [casing === 'lower' ? name.toLowerCase() : name, value]),
  ]
}

function headerValue(request: IncomingRequest, name: string): string | undefined {
  const lower = name.toLowerCase()
  return request.headers.find(([key]) => key.toLowerCase() === lower)?.[1]
}

/** `17/Jun/2024:15:52:39 +0000`, API Gateway's request time format. */
function gatewayTime(epochMs: number): string {
  const [, day, month, year, time] = new Date(epochMs).toUTCString().split(' ')
  return `${day}/${month}/${year}:${time} +0000`
}

/** API Gateway request ids look like `ZhNHJhhLjoEEPiw=` (HTTP API) or a UUID (REST). */
function httpApiRequestId(): string {
  return randomBytes(11).toString('base64')
}

/** Decoded query parameters, every value of each name in order. */
function queryParameters(rawQuery: string): Map<string, string[]> {
  const parameters = new Map<string, string[]>()
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const values = parameters.get(name)
    if (values) values.push(value)
    else parameters.set(name, [value])
  }
  return parameters
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath)
  } catch {
    return rawPath
  }
}

/**
 * An HTTP API payload 2.0 event. `routeKey` is the matched route
 * (`POST /cart/items`), as API Gateway reports it.
 */
export function toHttpApiEvent(request: IncomingRequest, routeKey: string, now = Date.now()): Json {
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  for (const [name, value] of withForwardedHeaders(request, 'lower')) {
    const lower = name.toLowerCase()
    if (lower === 'cookie') {
      for (const pair of value.split(';')) if (pair.trim()) cookies.push(pair.trim())
      continue
    }
    headers[lower] = lower in headers ? `${headers[lower]},${value}` : value
  }
  const event: Json = {
    version: '2.0',
    routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQuery,
  }
  if (cookies.length > 0) event.cookies = cookies
  event.headers = headers
  const query = queryParameters(request.rawQuery)
  if (query.size > 0) event.queryStringParameters = Object.fromEntries([...query].map(([k, v]) => [k, v.join(',')]))
  event.requestContext = {
    accountId: LOCAL_API.accountId,
    apiId: LOCAL_API.apiId,
    domainName: headers.host ?? '127.0.0.1',
    domainPrefix: (headers.host ?? '127.0.0.1').split('.')[0],
    http: {
      method: request.method,
      path: decodePath(request.rawPath),
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: httpApiRequestId(),
    routeKey,
    stage: LOCAL_API.stage.v2,
    time: gatewayTime(now),
    timeEpoch: now,
  }
  if (request.body.length > 0) {
    const text = isTextual(headers['content-type'])
    event.body = text ? request.body.toString('utf8') : request.body.toString('base64')
    event.isBase64Encoded = !text
  } else event.isBase64Encoded = false
  return event
}

/** A REST API (v1) Lambda proxy event. `resource` is the matched route's path. */
export function toRestApiEvent(request: IncomingRequest, resource: string, now = Date.now()): Json {
  const headers: Record<string, string> = {}
  const multiValueHeaders: Record<string, string[]> = {}
  for (const [name, value] of withForwardedHeaders(request, 'title')) {
    headers[name] = value // REST keeps the last value in `headers`…
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value] // …and every one here
  }
  const query = queryParameters(request.rawQuery)
  const stage = LOCAL_API.stage.v1
  const userAgent = headerValue(request, 'user-agent') ?? null
  const host = headerValue(request, 'host') ?? '127.0.0.1'
  return {
    resource,
    path: decodePath(request.rawPath),
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.size > 0 ? Object.fromEntries([...query].map(([k, v]) => [k, v.at(-1)])) : null,
    multiValueQueryStringParameters: query.size > 0 ? Object.fromEntries(query) : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourceId: 'local0',
      resourcePath: resource,
      httpMethod: request.method,
      extendedRequestId: httpApiRequestId(),
      requestTime: gatewayTime(now),
      path: `/${stage}${decodePath(request.rawPath)}`,
      accountId: LOCAL_API.accountId,
      protocol: request.protocol,
      stage,
      domainPrefix: host.split('.')[0],
      requestTimeEpoch: now,
      requestId: randomUUID(),
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: request.sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent,
        user: null,
      },
      domainName: host,
      deploymentId: 'local0',
      apiId: LOCAL_API.apiId,
    },
    // REST passes bodies as text unless binary media types are configured (none here).
    body: request.body.length > 0 ? request.body.toString('utf8') : null,
    isBase64Encoded: false,
  }
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}{path}` */
export function executeApiArn(format: EventFormat, method: string, path: string): string {
  const { region, accountId, apiId, stage } = LOCAL_API
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage[format]}/${method}${path}`
}

/**
 * The authorizer's event for a request: HTTP API payload 2.0 (the request
 * event without its body, plus `type`, `routeArn`, `identitySource`) or REST
 * `REQUEST` (the proxy event without its body, plus `type`, `methodArn`).
 */
export function toAuthorizerEvent(
  format: EventFormat,
  requestEvent: Json,
  route: { method: string; path: string },
  identitySource: string[],
): Json {
  const { body: _body, isBase64Encoded: _base64, ...rest } = requestEvent
  if (format === 'v2') {
    const { version, ...fields } = rest
    return {
      version,
      type: 'REQUEST',
      routeArn: executeApiArn('v2', route.method, route.path),
      identitySource,
      ...fields,
    }
  }
  return { type: 'REQUEST', methodArn: executeApiArn('v1', route.method, route.path), ...rest }
}
