/**
 * `pnpm start`: the stores SESSION_STORE picks (DynamoDB Local unless
 * DYNAMODB_ENDPOINT is set; a redis-server unless REDIS_URL is set), the
 * tables, every handler of the SAM template, and an HTTP server on
 * 127.0.0.1 that serves them as API Gateway would. Stops it all on
 * SIGINT/SIGTERM.
 *
 * Knobs: PORT (3000; 0 picks a free one), EVENT_FORMAT (v2 | v1),
 * SESSION_STORE (dynamodb | redis | cookie), DYNAMODB_ENDPOINT, REDIS_URL,
 * COOKIE_SECURE=false, SESSION_SECRET, SESSION_TABLE, IDEMPOTENCY_TABLE,
 * LOG_LEVEL (warn), SAM_TEMPLATE.
 */
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ensureIdempotencyTable, ensureSessionTable } from '@lambda-session/dynamodb-store'
import { type RedisServer, startRedisServer } from '@lambda-session/redis-store/testing'
import { createLocalDynamoDBClient, type DynamoDBLocal, startDynamoDBLocal } from '@lambda-session/testing'
import { readSessionStore, type SessionStoreKind } from '../../shop/src/settings.js'
import type { EventFormat } from './lambda-events.js'
import { createLocalServer, type LambdaHandler } from './local-server.js'
import { readSamTemplate } from './sam-template.js'

const env = process.env
let dynamoDBLocal: DynamoDBLocal | undefined
let redisServer: RedisServer | undefined

async function stopStores(): Promise<void> {
  await Promise.all([dynamoDBLocal?.stop(), redisServer?.stop()])
}

async function fail(message: string): Promise<never> {
  console.error(message)
  await stopStores()
  process.exit(1)
}

function readFormat(value: string | undefined): EventFormat | undefined {
  if (!value || value === 'v2') return 'v2'
  return value === 'v1' ? 'v1' : undefined
}

const port = Number(env.PORT || 3000)
if (!Number.isInteger(port) || port < 0 || port > 65_535) await fail(`PORT must be a port number, got ${env.PORT}.`)
const format = readFormat(env.EVENT_FORMAT)
if (!format) await fail(`EVENT_FORMAT must be v2 (HTTP API) or v1 (REST), got ${env.EVENT_FORMAT}.`)
const templatePath = env.SAM_TEMPLATE || fileURLToPath(new URL('../../shop/template.yaml', import.meta.url))
let store: SessionStoreKind = 'dynamodb'
try {
  store = readSessionStore(env)
} catch (error) {
  await fail((error as Error).message) // names the three choices
}
// Redis holds sessions and idempotency records; the other two need DynamoDB (cookie: for checkout's records).
const needsDynamoDB = store !== 'redis'

if (store === 'redis' && !env.REDIS_URL) {
  try {
    redisServer = await startRedisServer()
  } catch (error) {
    await fail(`${(error as Error).message} (or set REDIS_URL to a running Redis).`)
  }
  env.REDIS_URL = redisServer?.url
}
if (needsDynamoDB && !env.DYNAMODB_ENDPOINT) {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' })
  if (java.error || java.status !== 0) {
    await fail(
      'Java 17+ is needed for DynamoDB Local: install it with `sudo apt-get install -y openjdk-17-jre-headless` (or set DYNAMODB_ENDPOINT to a running DynamoDB).',
    )
  }
  dynamoDBLocal = await startDynamoDBLocal()
  env.DYNAMODB_ENDPOINT = dynamoDBLocal.endpoint
}
env.SESSION_STORE = store
// What the handlers read at load time (SAM sets the same variables in AWS).
env.SESSION_TABLE ||= 'lambda-session-examples-sessions'
env.IDEMPOTENCY_TABLE ||= 'lambda-session-examples-idempotency'
env.LOG_LEVEL ||= 'warn'

if (needsDynamoDB) {
  try {
    const client = createLocalDynamoDBClient(env.DYNAMODB_ENDPOINT as string)
    // Sealed cookies need no session table; checkout's idempotency records still live in DynamoDB.
    if (store === 'dynamodb') await ensureSessionTable({ client, tableName: env.SESSION_TABLE })
    await ensureIdempotencyTable({ client, tableName: env.IDEMPOTENCY_TABLE })
    client.destroy()
  } catch (error) {
    await fail(`Could not create the tables at ${env.DYNAMODB_ENDPOINT}: ${(error as Error).message}`)
  }
}

const template = readSamTemplate(templatePath)
const handlers = new Map<string, LambdaHandler>()
for (const fn of template.functions.values()) {
  const module = (await import(pathToFileURL(fn.entry).href)) as Record<string, unknown>
  const handler = module[fn.exportName]
  if (typeof handler !== 'function') await fail(`${fn.logicalId}: ${fn.entry} exports no function ${fn.exportName}.`)
  handlers.set(fn.logicalId, handler as LambdaHandler)
}

const server = createLocalServer({ template, handlers, format: format as EventFormat })
server.listen(port, '127.0.0.1')
try {
  await once(server, 'listening')
} catch (error) {
  await fail(`Could not listen on 127.0.0.1:${port}: ${(error as Error).message} (set PORT to another port).`)
}
// A handler abandoned at its timeout may still fail later: report it, keep serving.
process.on('unhandledRejection', (reason) => console.error('unhandled rejection in a handler:', reason))

const { port: actualPort } = server.address() as AddressInfo
const events = format === 'v1' ? 'API Gateway REST (v1) events' : 'API Gateway HTTP API (v2) events'
const dynamodb = dynamoDBLocal ? 'DynamoDB Local' : `DynamoDB at ${env.DYNAMODB_ENDPOINT}`
const where = {
  dynamodb,
  redis: redisServer ? `Redis (a redis-server on port ${redisServer.port})` : 'Redis at REDIS_URL',
  cookie: `sessions in sealed cookies, idempotency records in ${dynamodb}`,
}[store]
console.log(`lambda-session examples on http://127.0.0.1:${actualPort}/ (${events}, ${where}; Ctrl+C stops)`)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) process.exit(1) // a second Ctrl+C: don't wait
  stopping = true
  server.close()
  server.closeAllConnections()
  await stopStores()
  process.exit(0) // asked to stop, and stopped: not a failure
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
