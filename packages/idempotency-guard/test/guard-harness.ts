import { randomBytes, randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { HttpResponse } from '@lambda-session/core'
import { DynamoDBIdempotencyStore, ensureIdempotencyTable } from '@lambda-session/dynamodb-store'
import { type IdempotencyGuardOptions, idempotencyGuard } from '@lambda-session/idempotency-guard'
import {
  buildHttpEvent,
  createLambdaContext,
  createLocalDynamoDBClient,
  type DynamoDBCallCounter,
  trackDynamoDBCalls,
} from '@lambda-session/testing'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'

/** An idempotency table of its own on the shared DynamoDB Local, with a counted client. */
export interface GuardTestbed {
  client: DynamoDBClient
  calls: DynamoDBCallCounter
  store: DynamoDBIdempotencyStore
  tableName: string
  close(): void
}

export async function createGuardTestbed(): Promise<GuardTestbed> {
  const client = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
  const tableName = `idem-${randomBytes(4).toString('hex')}`
  await ensureIdempotencyTable({ client, tableName })
  const calls = trackDynamoDBCalls(client)
  return {
    client,
    calls,
    store: new DynamoDBIdempotencyStore({ client, tableName, timeoutMs: 30_000, attemptTimeoutMs: 10_000 }), // races, not outages, are tested here,
    tableName,
    close: () => client.destroy(),
  }
}

/** A handler body that counts its runs. */
export function countingApp(result: (run: number, event: { body?: unknown }) => unknown = (run) => ({ run })) {
  const app = async (event: { body?: unknown }) => {
    app.runs++
    return result(app.runs, event)
  }
  app.runs = 0
  return app
}

/** Wraps `app` with the guard (and the error handler, as users compose it). */
export function guarded(app: (event: never) => unknown, options: IdempotencyGuardOptions) {
  return middy(app as never)
    .use(idempotencyGuard(options))
    .use(httpErrorHandler({ logger: false }))
}

export interface PostOptions {
  key?: string | undefined
  body?: string | object
  path?: string
  method?: string
  timeoutMs?: number
  clock?: { now(): number }
  headers?: Record<string, string>
  cookies?: Record<string, string>
}

/** A POST (by default) of the HTTP API v2 shape carrying the key. */
export function postEvent({
  key,
  body = { sku: 'A1', qty: 1 },
  path = '/checkout',
  method = 'POST',
  headers = {},
  cookies,
}: PostOptions) {
  return buildHttpEvent('http-api-v2', {
    method,
    path,
    body,
    cookies,
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'Idempotency-Key': key }),
      ...headers,
    },
  })
}

export async function send(handler: ReturnType<typeof guarded>, options: PostOptions = {}): Promise<HttpResponse> {
  const context = createLambdaContext({
    timeoutMs: options.timeoutMs ?? 3000,
    ...(options.clock ? { clock: options.clock } : {}),
  })
  return (await handler(postEvent(options) as never, context as never)) as HttpResponse
}

export const newKey = () => randomUUID()

/** A response without the replay marker, to compare a replay with the original. */
export function withoutReplayMarker(response: HttpResponse): HttpResponse {
  const { 'Idempotent-Replayed': _marker, ...headers } = response.headers ?? {}
  return { ...response, headers }
}
