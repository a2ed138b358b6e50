import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { LambdaContext } from '@lambda-session/testing'
import { evaluatePolicy } from '../src/authorize.js'
import { toHttpResponse } from '../src/lambda-responses.js'
import { createLocalServer, type LambdaHandler } from '../src/local-server.js'
import type { SamTemplate } from '../src/sam-template.js'

describe('handler results become what API Gateway sends', () => {
  test('HTTP API: every cookie its own Set-Cookie; base64 bodies decoded', () => {
    const response = toHttpResponse('v2', {
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-Count': 2 },
      cookies: ['a=1; Path=/', 'b=2; Path=/; HttpOnly'],
      body: Buffer.from([137, 80, 78, 71]).toString('base64'),
      isBase64Encoded: true,
    })
    expect(response.statusCode).toBe(201)
    expect(response.headers).toEqual([
      ['Content-Type', 'image/png'],
      ['X-Count', '2'],
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', 'b=2; Path=/; HttpOnly'],
    ])
    expect([...response.body]).toEqual([137, 80, 78, 71])
  })

  test('HTTP API infers a 200 JSON response from a bare result; garbage is its 500', () => {
    expect(toHttpResponse('v2', { ok: true })).toMatchObject({ statusCode: 200, body: Buffer.from('{"ok":true}') })
    expect(toHttpResponse('v2', 'hello')).toMatchObject({ statusCode: 200, body: Buffer.from('hello') })
    expect(toHttpResponse('v2', { statusCode: 'soon' })).toMatchObject({ statusCode: 500 })
    expect(toHttpResponse('v2', { statusCode: 200, body: { not: 'a string' } })).toMatchObject({ statusCode: 500 })
  })

  test('REST: headers and multiValueHeaders merged (the list wins), cookies field ignored, garbage is a 502', () => {
    const response = toHttpResponse('v1', {
      statusCode: 200,
      headers: { 'Content-Type': 'text/plain', 'Set-Cookie': 'lost=1' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      cookies: ['ignored=1'],
      body: 'ok',
    })
    expect(response.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ])
    expect(toHttpResponse('v1', { body: 'no status' })).toMatchObject({ statusCode: 502 })
    expect(toHttpResponse('v1', 'just a string')).toMatchObject({ statusCode: 502 })
  })
})

describe('authorizer policies are evaluated like IAM', () => {
  const arn = 'arn:aws:execute-api:us-east-1:123456789012:local/local/GET/me'
  const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement })
  const allow = (Resource: unknown) => ({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource })

  test('an Allow must match; an explicit Deny wins; wildcards work', () => {
    expect(evaluatePolicy(policy(allow(arn)), arn)).toBe('allow')
    expect(evaluatePolicy(policy(allow('arn:aws:execute-api:us-east-1:123456789012:local/local/*')), arn)).toBe('allow')
    expect(evaluatePolicy(policy(allow(['arn:aws:execute-api:*:*:other/*'])), arn)).toBe('implicit-deny')
    expect(evaluatePolicy(policy(allow('*'), { Effect: 'Deny', Action: '*', Resource: arn }), arn)).toBe('deny')
    expect(evaluatePolicy(undefined, arn)).toBe('implicit-deny')
  })
})

describe('the server around handlers', () => {
  let server: Server
  let url: string
  const seen: { remaining: number[] } = { remaining: [] }

  const template: SamTemplate = {
    functions: new Map(
      ['Fast', 'Throws', 'Hangs'].map((id) => [
        id,
        { logicalId: id, entry: '', exportName: 'handler', timeoutSeconds: 1, memoryMb: 128 },
      ]),
    ),
    routes: [
      { method: 'GET', path: '/fast', functionId: 'Fast', authorizer: undefined },
      { method: 'GET', path: '/throws', functionId: 'Throws', authorizer: undefined },
      { method: 'GET', path: '/hangs', functionId: 'Hangs', authorizer: undefined },
    ],
  }
  const handlers = new Map<string, LambdaHandler>([
    [
      'Fast',
      async (_event: unknown, context: LambdaContext) => {
        seen.remaining.push(context.getRemainingTimeInMillis())
        return { statusCode: 200, body: context.functionName }
      },
    ],
    [
      'Throws',
      async () => {
        throw new Error('boom')
      },
    ],
    ['Hangs', () => new Promise(() => {})],
  ])

  async function serve(format: 'v1' | 'v2') {
    const logged: string[] = []
    server = createLocalServer({ template, handlers, format, log: (line) => logged.push(line) })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return logged
  }

  beforeAll(() => serve('v2'))
  afterAll(() => {
    server.close()
    server.closeAllConnections()
  })

  test('each invocation gets a fresh Lambda context counting down from the function timeout', async () => {
    const response = await fetch(`${url}/fast`)
    expect(await response.text()).toBe('Fast')
    expect(seen.remaining[0]).toBeGreaterThan(900)
    expect(seen.remaining[0]).toBeLessThanOrEqual(1000)
  })

  test('a handler that throws is API Gateway’s 500; one past its timeout is abandoned with the same', async () => {
    expect((await fetch(`${url}/throws`)).status).toBe(500)
    const started = Date.now()
    const hung = await fetch(`${url}/hangs`)
    expect(hung.status).toBe(500)
    expect(await hung.json()).toEqual({ message: 'Internal Server Error' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  test('REST answers a function failure with 502 and an unknown route with 403', async () => {
    server.close()
    server.closeAllConnections()
    const logged = await serve('v1')
    expect((await fetch(`${url}/throws`)).status).toBe(502)
    expect(logged.some((line) => line.includes('Error: boom'))).toBe(true)
    const missing = await fetch(`${url}/fast`, { method: 'POST' })
    expect(missing.status).toBe(403)
    expect(await missing.json()).toEqual({ message: 'Missing Authentication Token' })
  })
})
