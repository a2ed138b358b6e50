import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createLambdaContext, type LambdaContext } from '@lambda-session/testing'
import { type Invoke, runAuthorizer } from './authorize.js'
import { type EventFormat, type IncomingRequest, toHttpApiEvent, toRestApiEvent } from './lambda-events.js'
import { gatewayError, jsonResponse, type OutgoingResponse, toHttpResponse } from './lambda-responses.js'
import type { SamRoute, SamTemplate } from './sam-template.js'

/** A Lambda handler as the runtime calls it (Middy handlers are exactly this). */
export type LambdaHandler = (event: unknown, context: LambdaContext) => unknown

export interface LocalServerOptions {
  template: SamTemplate
  /** Handlers by function logical id. */
  handlers: ReadonlyMap<string, LambdaHandler>
  /** `v2`: HTTP API payload 2.0 events; `v1`: REST proxy events. */
  format: EventFormat
  /** Where failures are reported (a handler that threw or timed out). @default console.error */
  log?: (message: string) => void
  /** Larger request bodies get 413, as API Gateway's 10 MB payload limit. @default 10 MiB */
  maxBodyBytes?: number
}

/** What Lambda reports when a function runs past its timeout. */
export class TaskTimedOutError extends Error {
  constructor(seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds`)
    this.name = 'TaskTimedOutError'
  }
}

class PayloadTooLargeError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new PayloadTooLargeError())
        request.resume()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function headerPairs(raw: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string])
  return pairs
}

function send(res: ServerResponse, response: OutgoingResponse): void {
  const flat: string[] = []
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() !== 'content-length') flat.push(name, value)
  }
  flat.push('Content-Length', String(response.body.length))
  res.writeHead(response.statusCode, flat)
  res.end(response.body)
}

/**
 * An HTTP server that answers every route of the SAM template by invoking
 * the route's real handler the way API Gateway and Lambda would: the request
 * becomes an event of the chosen format, each invocation gets a Lambda
 * context whose `getRemainingTimeInMillis()` counts down from the function's
 * timeout, and a handler still running at the timeout is abandoned with
 * API Gateway's error answer (it can't be killed inside one process).
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const { template, handlers, format } = options
  const log = options.log ?? ((message: string) => console.error(message))
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024

  const invoke: Invoke = async (functionId, event) => {
    const fn = template.functions.get(functionId)
    const handler = handlers.get(functionId)
    if (!fn || !handler) return { ok: false, error: new Error(`No handler for ${functionId}`) }
    const timeoutMs = fn.timeoutSeconds * 1000
    const context = createLambdaContext({ timeoutMs, functionName: functionId, memoryLimitInMB: String(fn.memoryMb) })
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TaskTimedOutError(fn.timeoutSeconds)), timeoutMs)
    })
    try {
      const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), deadline])
      return { ok: true, result }
    } catch (error) {
      log(
        `${functionId} ${context.awsRequestId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      )
      return { ok: false, error }
    } finally {
      clearTimeout(timer)
    }
  }

  function findRoute(method: string, path: string): SamRoute | undefined {
    return template.routes.find((route) => route.path === path && (route.method === method || route.method === 'ANY'))
  }

  async function answer(req: IncomingMessage): Promise<OutgoingResponse> {
    const url = req.url ?? '/'
    const queryAt = url.indexOf('?')
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt)
    const rawQuery = queryAt < 0 ? '' : url.slice(queryAt + 1)
    const method = (req.method ?? 'GET').toUpperCase()
    const route = findRoute(method, rawPath)
    if (!route) {
      // What each API type answers for a route it doesn't have.
      return format === 'v2'
        ? jsonResponse(404, { message: 'Not Found' })
        : jsonResponse(403, { message: 'Missing Authentication Token' })
    }
    let body: Buffer
    try {
      body = await readBody(req, maxBodyBytes)
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return jsonResponse(413, { message: 'Request Entity Too Large' })
      throw error
    }
    const incoming: IncomingRequest = {
      method,
      rawPath,
      rawQuery,
      headers: headerPairs(req.rawHeaders),
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${req.httpVersion}`,
    }
    const event =
      format === 'v2' ? toHttpApiEvent(incoming, `${route.method} ${route.path}`) : toRestApiEvent(incoming, route.path)
    if (route.authorizer) {
      const outcome = await runAuthorizer({
        format,
        authorizer: route.authorizer,
        route,
        requestEvent: event,
        headers: incoming.headers,
        invoke,
      })
      if (!outcome.allowed) return outcome.response
      ;(event.requestContext as Record<string, unknown>).authorizer = outcome.authorizer
    }
    const outcome = await invoke(route.functionId, event)
    return outcome.ok ? toHttpResponse(format, outcome.result) : gatewayError(format)
  }

  return createServer((req, res) => {
    answer(req).then(
      (response) => send(res, response),
      (error: unknown) => {
        log(`local server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        if (!res.headersSent) send(res, gatewayError(format))
        else res.destroy()
      },
    )
  })
}
