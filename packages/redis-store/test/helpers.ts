import { randomBytes } from 'node:crypto'
import type { SessionRecord } from '@lambda-session/core'
import { redisClientDefaults } from '@lambda-session/redis-store'
import { Redis, type RedisOptions } from 'ioredis'
import { IDEMPOTENCY_SCRIPTS } from '../src/idempotency-scripts.js'
import { SESSION_SCRIPTS } from '../src/session-scripts.js'
import { type RedisServer, startRedisServer } from '../src/testing/index.js'

/** Commands a client sent, by name: the stores never pipeline, so each command is one round trip. */
export interface CommandCounter {
  readonly counts: Record<string, number>
  total(): number
  reset(): void
}

/**
 * Counts every command the client sends from now on, by wrapping its
 * `sendCommand` (the one path every `ioredis` command takes).
 */
export function countCommands(client: Redis): CommandCounter {
  const counts: Record<string, number> = {}
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((command, stream) => {
    counts[command.name] = (counts[command.name] ?? 0) + 1
    return send(command, stream)
  }) as Redis['sendCommand']
  return {
    counts,
    total: () => Object.values(counts).reduce((sum, count) => sum + count, 0),
    reset: () => {
      for (const name of Object.keys(counts)) delete counts[name]
    },
  }
}

/**
 * Slack for test machines: a Jest worker sharing the CPU with a browser and
 * a JVM can stall for over a second, which `redisClientDefaults`' 1 s
 * timeouts would report as an outage. The tests of the defaults themselves
 * (`store-failures.test.ts`) pass them explicitly.
 */
const TEST_TIMEOUTS = { connectTimeout: 10_000, commandTimeout: 10_000 }

/** A client with the package's recommended settings (timeouts relaxed for tests unless `options` says otherwise), connected and ready. */
export async function connectClient(server: RedisServer, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({
    host: server.host,
    port: server.port,
    ...redisClientDefaults,
    ...TEST_TIMEOUTS,
    ...options,
  })
  await client.ping()
  return client
}

/**
 * Caches every store script on the server (`SCRIPT LOAD`), so round-trip
 * counts show the steady state: one `EVALSHA` per call. (The first call on
 * a fresh server adds one `EVAL`; tested on its own.)
 */
export async function preloadScripts(client: Redis): Promise<void> {
  for (const script of [...Object.values(SESSION_SCRIPTS), ...Object.values(IDEMPOTENCY_SCRIPTS)]) {
    expectSha(script.sha, await client.script('LOAD', script.source))
  }
}

function expectSha(expected: string, actual: unknown): void {
  if (actual !== expected) throw new Error(`Redis cached a script as ${String(actual)}, not ${expected}`)
}

/** A `redis-server` of the test file's own, a counted client for the store and an uncounted one to look at raw keys. */
export interface RedisTestbed {
  server: RedisServer
  client: Redis
  commands: CommandCounter
  /** For raw reads and writes around the store; never counted. */
  admin: Redis
  close(): Promise<void>
}

export async function createRedisTestbed(): Promise<RedisTestbed> {
  const server = await startRedisServer()
  let client: Redis | undefined
  let admin: Redis | undefined
  try {
    client = await connectClient(server)
    admin = await connectClient(server)
    await preloadScripts(admin)
  } catch (error) {
    client?.disconnect()
    admin?.disconnect()
    await server.stop()
    throw error
  }
  const commands = countCommands(client)
  return {
    server,
    client,
    commands,
    admin,
    close: async () => {
      client.disconnect()
      admin.disconnect()
      await server.stop()
    },
  }
}

/** A fresh id hash, shaped like the middlewares' (SHA-256, base64url). */
export function newIdHash(): string {
  return randomBytes(32).toString('base64url')
}

/** A valid record, one hour from expiry. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return {
    idHash: newIdHash(),
    data: {},
    versions: {},
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    ...overrides,
  }
}

/** Resolves to the error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the promise to reject, but it resolved')
}
