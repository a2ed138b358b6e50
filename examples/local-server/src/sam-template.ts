import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml'

/**
 * Reads the parts of an AWS SAM template the local server needs: every
 * function (its source, export and timeout) and every HTTP API route (method,
 * path, function, authorizer). The template stays the one source of truth:
 * what `sam deploy` deploys is what `pnpm start` serves.
 */

const INTRINSICS = [
  'And',
  'Base64',
  'Cidr',
  'Condition',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Ref',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
] as const

/**
 * YAML tags for CloudFormation's short-form intrinsics (`!Ref X`,
 * `!GetAtt A.Arn`, `!If [c, a, b]`, …), each parsed into its long form
 * (`{ Ref: 'X' }`, `{ 'Fn::GetAtt': ['A', 'Arn'] }`, …) in scalar, sequence
 * and mapping forms.
 */
export const cloudFormationTags: Array<ScalarTag | CollectionTag> = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`
  const tag = `!${name}`
  return [
    {
      tag,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    } satisfies ScalarTag,
    { tag, collection: 'seq', resolve: (seq: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key]: seq.toJSON() }) },
    { tag, collection: 'map', resolve: (map: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key]: map.toJSON() }) },
  ] satisfies Array<ScalarTag | CollectionTag>
})

/** Parses CloudFormation/SAM YAML, short-form intrinsics included. */
export function parseCloudFormationYaml(text: string): Record<string, unknown> {
  const parsed: unknown = parse(text, { customTags: cloudFormationTags })
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('The template is not a YAML mapping.')
  return parsed as Record<string, unknown>
}

/** A Lambda function of the template. */
export interface SamFunction {
  logicalId: string
  /** Absolute path of the TypeScript source (`Metadata.Entry`, relative to the template). */
  entry: string
  /** The export the runtime calls: `handler` of `Handler: index.handler`. */
  exportName: string
  /** The function's timeout (its own, else the Globals', else Lambda's 3 s). */
  timeoutSeconds: number
  memoryMb: number
}

/** A Lambda authorizer of the HTTP API. */
export interface SamAuthorizer {
  name: string
  functionId: string
  payloadFormatVersion: '1.0' | '2.0'
  simpleResponses: boolean
  /** Request headers that must be present, else API Gateway answers 401 without calling the authorizer. */
  identityHeaders: string[]
}

/** An HTTP API route. */
export interface SamRoute {
  method: string
  path: string
  functionId: string
  authorizer: SamAuthorizer | undefined
}

export interface SamTemplate {
  functions: Map<string, SamFunction>
  routes: SamRoute[]
}

type Json = Record<string, unknown>

function objectAt(value: unknown, ...keys: string[]): Json {
  let current: unknown = value
  for (const key of keys) current = typeof current === 'object' && current !== null ? (current as Json)[key] : undefined
  return typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Json) : {}
}

/** `!GetAtt Fn.Arn` or `{ Ref: Fn }` → `Fn`, for an authorizer's FunctionArn. */
function referencedId(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt']
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0]
  const ref = (value as { Ref?: unknown } | null)?.Ref
  return typeof ref === 'string' ? ref : undefined
}

function readAuthorizers(resources: Json): Map<string, SamAuthorizer> {
  const found = new Map<string, SamAuthorizer>()
  for (const resource of Object.values(resources)) {
    if ((resource as Json)?.Type !== 'AWS::Serverless::HttpApi') continue
    for (const [name, config] of Object.entries(objectAt(resource, 'Properties', 'Auth', 'Authorizers'))) {
      const functionId = referencedId((config as Json).FunctionArn)
      if (!functionId) continue // a JWT authorizer: not served locally
      const headers = objectAt(config, 'Identity').Headers
      found.set(name, {
        name,
        functionId,
        payloadFormatVersion: (config as Json).AuthorizerPayloadFormatVersion === '1.0' ? '1.0' : '2.0',
        simpleResponses: (config as Json).EnableSimpleResponses === true,
        identityHeaders: Array.isArray(headers) ? headers.map(String) : [],
      })
    }
  }
  return found
}

/**
 * Reads a SAM template's functions and HTTP API routes. Functions need a
 * `Metadata.Entry` (the TypeScript source the bundle step builds from);
 * values given as intrinsics (`!Ref`, `!If`) fall back to the defaults.
 */
export function readSamTemplate(templatePath: string): SamTemplate {
  const template = parseCloudFormationYaml(readFileSync(templatePath, 'utf8'))
  const baseDir = dirname(templatePath)
  const globals = objectAt(template, 'Globals', 'Function')
  const resources = objectAt(template, 'Resources')
  const authorizers = readAuthorizers(resources)
  const functions = new Map<string, SamFunction>()
  const routes: SamRoute[] = []

  for (const [logicalId, resource] of Object.entries(resources)) {
    if ((resource as Json)?.Type !== 'AWS::Serverless::Function') continue
    const properties = { ...globals, ...objectAt(resource, 'Properties') }
    const entry = objectAt(resource, 'Metadata').Entry
    const handler = properties.Handler
    if (typeof entry !== 'string' || typeof handler !== 'string' || !handler.includes('.')) {
      throw new TypeError(`${logicalId}: needs Metadata.Entry (the source file) and a Handler like index.handler.`)
    }
    const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback)
    functions.set(logicalId, {
      logicalId,
      entry: resolve(baseDir, entry),
      exportName: handler.slice(handler.lastIndexOf('.') + 1),
      timeoutSeconds: number(properties.Timeout, 3),
      memoryMb: number(properties.MemorySize, 128),
    })
    for (const event of Object.values(objectAt(properties, 'Events'))) {
      if ((event as Json)?.Type !== 'HttpApi') continue
      const props = objectAt(event, 'Properties')
      const authorizerName = objectAt(props, 'Auth').Authorizer
      const authorizer = typeof authorizerName === 'string' ? authorizers.get(authorizerName) : undefined
      if (typeof authorizerName === 'string' && authorizerName !== 'NONE' && !authorizer) {
        throw new TypeError(`${logicalId}: unknown authorizer ${authorizerName}.`)
      }
      routes.push({
        method: String(props.Method ?? 'ANY').toUpperCase(),
        path: String(props.Path ?? '/'),
        functionId: logicalId,
        authorizer,
      })
    }
  }
  for (const authorizer of authorizers.values()) {
    if (!functions.has(authorizer.functionId)) {
      throw new TypeError(`Authorizer ${authorizer.name} names ${authorizer.functionId}, which is not a function.`)
    }
  }
  return { functions, routes }
}
