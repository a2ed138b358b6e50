import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'
import { idempotencyTableDefinition, sessionTableDefinition } from '@lambda-session/dynamodb-store'
import { parseCloudFormationYaml, readSamTemplate } from 'example-local-server/sam-template'

/**
 * The SAM template (the one `sam deploy` deploys and `pnpm start` serves),
 * checked without an AWS account: every handler it names exists, and the
 * resources are what the packages expect.
 */
const shopDir = fileURLToPath(new URL('..', import.meta.url))
const templatePath = join(shopDir, 'template.yaml')
const template = parseCloudFormationYaml(readFileSync(templatePath, 'utf8')) as {
  Globals: { Function: Record<string, unknown> }
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>
}
const { functions, routes } = readSamTemplate(templatePath)
const resources = Object.entries(template.Resources)
const functionResources = resources.filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')

describe('template.yaml', () => {
  test('every function names a TypeScript source that exports its handler', async () => {
    process.env.SESSION_SECRET ??= 'template-test-secret-0123456789abcdef' // the modules read it when loaded
    expect(functions.size).toBe(functionResources.length)
    for (const fn of functions.values()) {
      expect({ [fn.logicalId]: existsSync(fn.entry) }).toEqual({ [fn.logicalId]: true })
      const module = (await import(fn.entry)) as Record<string, unknown>
      expect({ [fn.logicalId]: typeof module[fn.exportName] }).toEqual({ [fn.logicalId]: 'function' })
    }
  })

  test('no handler is left out: every file under src/handlers of both apps is deployed', () => {
    const deployed = new Set([...functions.values()].map((fn) => fn.entry))
    for (const app of ['shop', 'session-api']) {
      const dir = join(shopDir, '..', app, 'src', 'handlers')
      for (const file of readdirSync(dir)) {
        expect({ [relative(shopDir, join(dir, file))]: deployed.has(join(dir, file)) }).toEqual({
          [relative(shopDir, join(dir, file))]: true,
        })
      }
    }
  })

  test('each CodeUri is the folder the bundle step writes, with Handler index.handler', () => {
    expect(template.Globals.Function.Handler).toBe('index.handler')
    for (const [logicalId, resource] of functionResources) {
      expect(resource.Properties.CodeUri).toBe(`.aws-lambda/${logicalId}`)
      expect(resource.Properties.Handler).toBeUndefined() // the Globals' one
    }
  })

  test('Node.js 22 on arm64, and reserved concurrency for every function', () => {
    expect(template.Globals.Function).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] })
    expect(template.Globals.Function.ReservedConcurrentExecutions).toEqual({
      'Fn::If': ['ReserveConcurrency', { Ref: 'ReservedConcurrency' }, { Ref: 'AWS::NoValue' }],
    })
    for (const [, resource] of functionResources) {
      expect(resource.Properties.Runtime).toBeUndefined()
      expect(resource.Properties.Architectures).toBeUndefined()
    }
  })

  test('the tables are the ones dynamodb-store creates, TTL on', () => {
    const tables = Object.fromEntries(resources.filter(([, r]) => r.Type === 'AWS::DynamoDB::Table'))
    // The definitions' property names are CloudFormation's; the template leaves the names to the stack.
    const { TableName: _session, ...sessionTable } = sessionTableDefinition('x')
    const { TableName: _idempotency, ...idempotencyTable } = idempotencyTableDefinition('x')
    expect(tables.SessionTable?.Properties).toMatchObject(sessionTable)
    expect(tables.IdempotencyTable?.Properties).toMatchObject(idempotencyTable)
    for (const table of Object.values(tables)) {
      expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true })
    }
    expect(template.Globals.Function.Environment).toEqual({
      Variables: expect.objectContaining({
        SESSION_TABLE: { Ref: 'SessionTable' },
        IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
      }),
    })
  })

  test('the cookie secret comes from Secrets Manager, never from the template', () => {
    expect(template.Resources.SessionSecret?.Type).toBe('AWS::SecretsManager::Secret')
    const variables = (template.Globals.Function.Environment as { Variables: Record<string, unknown> }).Variables
    expect(variables.SESSION_SECRET_ARN).toEqual({ Ref: 'SessionSecret' })
    expect(variables.SESSION_SECRET).toBeUndefined()
    // Exactly the functions that load sessions may read it.
    const readers = functionResources
      .filter(([, r]) => JSON.stringify(r.Properties.Policies ?? []).includes('Session'))
      .map(([id]) => id)
    const loaders = [...functions.values()]
      .filter((fn) => /from '(\.\.\/config\.js|example-shop\/config)'/.test(readFileSync(fn.entry, 'utf8')))
      .map((fn) => fn.logicalId)
    expect(readers.sort()).toEqual(loaders.sort())
  })

  test('the authorizer: a Lambda REQUEST authorizer on the Cookie header, uncached, in front of /me', () => {
    const api = template.Resources.HttpApi?.Properties as { Auth: { Authorizers: Record<string, unknown> } }
    expect(api.Auth.Authorizers.SessionAuthorizer).toEqual({
      FunctionArn: { 'Fn::GetAtt': ['SessionAuthorizerFunction', 'Arn'] },
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      EnableFunctionDefaultPermissions: true,
      Identity: { Headers: ['Cookie'], ReauthorizeEvery: 0 },
    })
    const protectedRoutes = routes.filter((route) => route.authorizer).map((route) => `${route.method} ${route.path}`)
    expect(protectedRoutes).toEqual(['GET /me'])
  })

  test('the routes of DESIGN.md, each with its own function', () => {
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      [
        'GET /',
        'POST /login',
        'GET /cart',
        'POST /cart/items',
        'POST /checkout',
        'POST /logout',
        'GET /orders',
        'GET /slow',
        'POST /create-session',
        'POST /validate-session',
        'POST /deactivate-session',
        'GET /me',
      ].sort(),
    )
    expect(new Set(routes.map((route) => route.functionId)).size).toBe(routes.length)
    expect(functions.get('SlowFunction')?.timeoutSeconds).toBe(2) // short, so the watchdog's 503 shows quickly
  })
})
