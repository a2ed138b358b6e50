import { randomBytes, randomUUID } from 'node:crypto'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  type HttpEvent,
  type Logger,
  readHeader,
  readMethod,
  readPath,
  type Session,
  silentLogger,
} from '@lambda-session/core'
import {
  DynamoDBIdempotencyStore,
  DynamoDBSessionStore,
  ensureIdempotencyTable,
  ensureSessionTable,
  type StoreCallOptions,
} from '@lambda-session/dynamodb-store'
import { httpCookieParser } from '@lambda-session/http-cookie-parser'
import { idempotencyGuard } from '@lambda-session/idempotency-guard'
import { sessionLoader } from '@lambda-session/session-loader'
import { sessionSaver } from '@lambda-session/session-saver'
import { createLocalDynamoDBClient } from '@lambda-session/testing'
import { executionModeTimeoutWatchdog, timeoutWatchdog } from '@lambda-session/timeout-watchdog'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'

/** A secret of the fault suites' own (48 characters, well over the 32-byte minimum). */
export const FAULT_APP_SECRET = 'fault-suite-secret-7f3a9c1e5b2d8f4a6c0e2b4d6f8a'

/** The two tables one fault app uses. */
export interface FaultTables {
  sessionTable: string
  idempotencyTable: string
}

/** A fresh pair of table names. */
export function faultTables(prefix: string): FaultTables {
  const suffix = randomBytes(4).toString('hex')
  return { sessionTable: `${prefix}-sessions-${suffix}`, idempotencyTable: `${prefix}-idem-${suffix}` }
}

/**
 * Creates (or checks) both tables through a client of its own without
 * timeouts: set-up is not under test, and a cold DynamoDB Local on a busy
 * machine can take longer than the app's client allows. After DynamoDB
 * Local restarts in memory the tables must be made again.
 */
export async function ensureFaultTables(endpoint: string, tables: FaultTables): Promise<void> {
  const client = createLocalDynamoDBClient(endpoint)
  try {
    await ensureSessionTable({ client, tableName: tables.sessionTable, pollIntervalMs: 50 })
    await ensureIdempotencyTable({ client, tableName: tables.idempotencyTable, pollIntervalMs: 50 })
  } finally {
    client.destroy()
  }
}

/** Options of {@link createFaultApp}. */
export interface FaultAppOptions {
  client: DynamoDBClient
  tables: FaultTables
  /** The stores' time budget. @default the stores' defaults */
  budget?: StoreCallOptions
  /** Put `timeoutWatchdog` first in the chain with this margin. @default no watchdog */
  watchdogMarginMs?: number
  /** Every middleware and both stores log here. @default silent */
  logger?: Logger
  /** Gets every error `@middy/http-error-handler` turns into a response. @default ignored */
  onError?: (error: unknown) => void
}

function json(statusCode: number, body: unknown) {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
}

function bodyOf(event: HttpEvent): Record<string, unknown> {
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body
    const parsed: unknown = JSON.parse(text || '{}')
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/**
 * The app the fault suites hit: a cart and a checkout kept in the session,
 * like the example shop, composed the way the README says (watchdog first,
 * loader before the guard, saver after it, the error handler last).
 *
 * - `POST /login {userId}`: regenerates the session, sets the user
 * - `POST /cart/items {sku}`: appends the sku to the cart (atomic append); 400 for a sku that isn't a well-formed string
 * - `GET /cart`: the cart
 * - `POST /checkout` + `Idempotency-Key`: appends `key:orderId` to `orders`, once per key
 * - `POST /counter`: increments `n`
 * - `POST /value {key, value}` / `POST /value/read {key}`: stores / reads any JSON value
 * - `POST /logout`: destroys the session
 * - `GET /whoami`: the session as the handler sees it
 */
export function createFaultApp(options: FaultAppOptions) {
  const logger = options.logger ?? silentLogger
  const { client, tables } = options
  const sessionStore = new DynamoDBSessionStore({ client, tableName: tables.sessionTable, logger, ...options.budget })
  const idempotencyStore = new DynamoDBIdempotencyStore({
    client,
    tableName: tables.idempotencyTable,
    logger,
    ...options.budget,
  })
  const sessions = { store: sessionStore, secrets: [FAULT_APP_SECRET], logger }

  async function app(event: HttpEvent, context: { session: Session }) {
    const { session } = context
    const route = `${readMethod(event)} ${readPath(event)}`
    const body = bodyOf(event)
    switch (route) {
      case 'POST /login':
        session.regenerate()
        session.userId = typeof body.userId === 'string' && body.userId ? body.userId : 'anonymous'
        return json(200, { userId: session.userId })
      case 'POST /cart/items':
        // Validated like the shop's catalog check: a client's string is data
        // the app vouches for. A lone surrogate (valid JSON, not storable
        // UTF-8) would otherwise reach the store and be refused as a 500.
        if (typeof body.sku !== 'string' || body.sku.length > 64 || !body.sku.isWellFormed()) {
          return json(400, { message: 'sku must be a string of up to 64 characters' })
        }
        session.append('cart', body.sku)
        return json(200, { added: body.sku })
      case 'GET /cart':
        return json(200, { cart: session.get<string[]>('cart') ?? [] })
      case 'POST /checkout': {
        if (session.isNew) return json(401, { message: 'sign in first' })
        const orderId = randomUUID()
        // The key travels with the order so an audit can count orders per key.
        session.append('orders', `${readHeader(event, 'idempotency-key') ?? 'none'}:${orderId}`)
        return json(200, { orderId })
      }
      case 'POST /counter':
        return json(200, { n: session.increment('n') })
      case 'POST /value':
        session.set(String(body.key), body.value)
        return json(200, { stored: true })
      case 'POST /value/read':
        return json(200, { found: session.has(String(body.key)), value: session.get(String(body.key)) ?? null })
      case 'POST /logout':
        session.destroy()
        return json(200, { signedOut: true })
      case 'GET /whoami':
        return json(200, { isNew: session.isNew, userId: session.userId ?? null, data: session.toJSON() })
      default:
        return json(404, { message: 'no such route' })
    }
  }

  const watched = options.watchdogMarginMs !== undefined
  const handler = watched ? middy(app, { executionMode: executionModeTimeoutWatchdog }) : middy(app)
  if (watched) handler.use(timeoutWatchdog({ marginMs: options.watchdogMarginMs, logger }))
  handler
    .use(httpCookieParser({ logger }))
    .use(sessionLoader(sessions))
    .use(idempotencyGuard({ store: idempotencyStore, logger }))
    .use(sessionSaver(sessions))
    .use(httpErrorHandler({ logger: options.onError ?? false }))
  return { handler, sessionStore, idempotencyStore, sessions }
}
