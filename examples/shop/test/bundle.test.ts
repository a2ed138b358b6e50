import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ensureIdempotencyTable, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { buildHttpEvent, createLambdaContext, createLocalDynamoDBClient } from '@lambda-session/testing'
// @ts-expect-error: a plain .mjs script without type declarations
import { bundleFunctions } from '../scripts/bundle.mjs'

/**
 * What `sam deploy` uploads: the esbuild bundles, loaded as the Lambda
 * runtime loads them (a plain ES module, `index.handler`) and invoked with
 * real event shapes against DynamoDB Local.
 */
type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>

describe('the deployable bundles', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'lambda-session-bundles-'))
  const handlers: Record<string, Handler> = {}
  const env = { ...process.env }

  beforeAll(async () => {
    const suffix = randomBytes(4).toString('hex')
    process.env.SESSION_TABLE = `bundle-sessions-${suffix}`
    process.env.IDEMPOTENCY_TABLE = `bundle-idempotency-${suffix}`
    process.env.SESSION_SECRET = 'bundle-test-secret-0123456789abcdefghij'
    process.env.LOG_LEVEL = 'error'
    const client = createLocalDynamoDBClient(process.env.DYNAMODB_ENDPOINT as string)
    await ensureSessionTable({ client, tableName: process.env.SESSION_TABLE })
    await ensureIdempotencyTable({ client, tableName: process.env.IDEMPOTENCY_TABLE })
    client.destroy()
    const only = ['LoginFunction', 'GetCartFunction', 'SessionAuthorizerFunction', 'MeFunction', 'ShopPageFunction']
    const built: Array<{ logicalId: string; file: string; bytes: number }> = await bundleFunctions({ outDir, only })
    expect(built.map((b) => b.logicalId).sort()).toEqual([...only].sort())
    for (const { logicalId, file } of built) {
      const module = (await import(pathToFileURL(file).href)) as { handler: Handler }
      handlers[logicalId] = module.handler
    }
  }, 120_000)

  afterAll(() => {
    process.env = env
    rmSync(outDir, { recursive: true, force: true })
  })

  test('each bundle exports index.handler and runs: login, then the cart and the authorizer with its cookie', async () => {
    const context = () => createLambdaContext({ timeoutMs: 5000 })
    const login = await handlers.LoginFunction?.(
      buildHttpEvent('http-api-v2', { method: 'POST', path: '/login', body: { userId: 'ada' } }),
      context(),
    )
    expect(login).toMatchObject({ statusCode: 200, body: '{"userId":"ada"}' })
    const cookie = String((login?.cookies as string[] | undefined)?.[0]).split(';')[0] as string

    const cart = await handlers.GetCartFunction?.(
      buildHttpEvent('http-api-v2', { path: '/cart', cookies: [cookie] }),
      context(),
    )
    expect(cart).toMatchObject({ statusCode: 200, body: '{"items":[]}' })

    const authorizerEvent = {
      ...buildHttpEvent<Record<string, unknown>>('http-api-v2', { path: '/me', cookies: [cookie] }),
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/me',
    }
    const allowed = await handlers.SessionAuthorizerFunction?.(authorizerEvent, context())
    expect(allowed).toEqual({ isAuthorized: true, context: { userId: 'ada' } })
    const denied = await handlers.SessionAuthorizerFunction?.({ ...authorizerEvent, cookies: ['sid=x.y'] }, context())
    expect(denied).toEqual({ isAuthorized: false })

    const me = await handlers.MeFunction?.(
      {
        ...buildHttpEvent<Record<string, unknown>>('http-api-v2', { path: '/me' }),
        requestContext: { authorizer: { lambda: { userId: 'ada' } } },
      },
      context(),
    )
    expect(me).toMatchObject({ statusCode: 200, body: '{"userId":"ada"}' })
    const page = await handlers.ShopPageFunction?.(buildHttpEvent('http-api-v2', { path: '/' }), context())
    expect(page).toMatchObject({ statusCode: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' } })
  })
})
