import { type AddressInfo, createServer, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { ConfigurationError, type Logger, StoreUnavailableError } from '@lambda-session/core'
import { RedisIdempotencyStore, RedisSessionStore, redisClientDefaults } from '@lambda-session/redis-store'
import { Redis } from 'ioredis'
import { type RedisServer, startRedisServer } from '../src/testing/index.js'
import { connectClient, newIdHash, rejectionOf, sessionRecord } from './helpers.js'
import { inProgressRecord } from './idempotency-helpers.js'

const silenced = (client: Redis) => {
  // ioredis reports every failed reconnection as an 'error' event; the stores see them as rejected commands.
  client.on('error', () => {})
  return client
}

/** One call of every store method, against whichever client the stores use. */
function everyCall(client: Redis, timeoutMs?: number) {
  const sessions = new RedisSessionStore({ client, timeoutMs })
  const idempotency = new RedisIdempotencyStore({ client, timeoutMs })
  const now = Date.now()
  return [
    sessions.load(newIdHash()),
    sessions.create(sessionRecord()),
    sessions.update(newIdHash(), { changes: [{ kind: 'increment', key: 'n', by: 1 }] }),
    sessions.replace(newIdHash(), sessionRecord()),
    sessions.destroy(newIdHash()),
    sessions.destroyUserSessions('user'),
    idempotency.acquire(inProgressRecord(now), now),
    idempotency.complete('k', 't', 'r', now),
    idempotency.release('k', 't'),
  ].map(rejectionOf)
}

/** The message of the client error a store error wraps (`cause.data`). */
const causeMessage = (error: Error | undefined) => String((error?.cause as { data?: Error } | undefined)?.data?.message)

function expectUnavailable(errors: Error[]) {
  for (const error of errors) {
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as StoreUnavailableError).statusCode).toBe(503)
    expect((error as StoreUnavailableError).headers['Retry-After']).toBe('1')
    expect(error.cause).toMatchObject({ package: '@lambda-session/redis-store' })
  }
}

describe('outages', () => {
  test('a stopped server gives StoreUnavailableError (503) quickly, and the client recovers when it is back', async () => {
    const server = await startRedisServer()
    const client = silenced(await connectClient(server, redisClientDefaults))
    const store = new RedisSessionStore({ client })
    const record = sessionRecord({ data: { kept: true } })
    await store.create(record)
    await server.stop() // the Redis process ends: connections drop, reconnections are refused

    const started = Date.now()
    const errors = await Promise.all(everyCall(client))
    expectUnavailable(errors)
    // The client's settings answered, not the store's 2 s backstop: ioredis' defaults would queue each
    // call through 20 reconnections, backing off to 5 s each.
    for (const error of errors) expect(causeMessage(error)).not.toContain('no answer from Redis')
    expect(Date.now() - started).toBeLessThan(5000)

    // The same port again (an empty server: tests run without persistence); the client reconnects by itself.
    const restarted = await startRedisServer({ port: server.port })
    try {
      await expect(store.load(record.idHash)).resolves.toBeUndefined()
      await store.create(record)
      expect((await store.load(record.idHash))?.data).toEqual({ kept: true })
    } finally {
      client.disconnect()
      await restarted.stop()
    }
  })

  test('with a client that has no timeouts at all, the store’s own deadline still answers 503', async () => {
    const server = await startRedisServer()
    // ioredis' defaults: no command timeout, 20 reconnections per command: far past a Lambda's deadline.
    const client = silenced(new Redis({ host: server.host, port: server.port }))
    await client.ping()
    await server.stop()
    const started = Date.now()
    const errors = await Promise.all(everyCall(client, 300))
    expectUnavailable(errors)
    expect(causeMessage(errors[0])).toContain('300 ms')
    expect(Date.now() - started).toBeLessThan(5000)
    client.disconnect()
  })

  test('a server that accepts connections but never answers gives 503 by the client’s commandTimeout', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    const client = silenced(new Redis({ host: '127.0.0.1', port, connectTimeout: 1000, commandTimeout: 500 }))
    try {
      const started = Date.now()
      const errors = await Promise.all(everyCall(client))
      expectUnavailable(errors)
      for (const error of errors) expect(causeMessage(error)).toBe('Command timed out')
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      client.disconnect()
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  test('a primary turned replica (a failover in progress) refuses writes with READONLY: 503, reads still work', async () => {
    const primary = await startRedisServer()
    const replica = await startRedisServer()
    const client = await connectClient(replica)
    try {
      await client.call('REPLICAOF', primary.host, String(primary.port))
      const store = new RedisSessionStore({ client })
      const error = await rejectionOf(store.create(sessionRecord()))
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(causeMessage(error)).toMatch(/READONLY/)
      await expect(store.load(newIdHash())).resolves.toBeUndefined()
    } finally {
      client.disconnect()
      await replica.stop()
      await primary.stop()
    }
  })

  test('a full server (maxmemory, noeviction) refuses writes with OOM: 503, and nothing is half-written', async () => {
    const server = await startRedisServer({ extraArgs: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] })
    const client = await connectClient(server)
    try {
      const store = new RedisSessionStore({ client })
      const record = sessionRecord()
      await store.create(record)
      const filler = 'x'.repeat(64 * 1024)
      for (let index = 0; ; index++) {
        const result = await client.set(`filler:${index}`, filler).catch((error: Error) => error)
        if (result instanceof Error) break
      }
      const error = await rejectionOf(
        store.update(record.idHash, { changes: [{ kind: 'set', key: 'big', value: filler, expectedVersion: 0 }] }),
      )
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(causeMessage(error)).toMatch(/^OOM/)
      expect((await store.load(record.idHash))?.data).toEqual({})
    } finally {
      client.disconnect()
      await server.stop()
    }
  })
})

describe('set-up errors', () => {
  let server: RedisServer
  let client: Redis
  beforeAll(async () => {
    server = await startRedisServer()
    client = await connectClient(server)
  })
  afterAll(async () => {
    client.disconnect()
    await server.stop()
  })

  test('a foreign key of another type under the store’s prefix is a ConfigurationError, not a 503', async () => {
    const idHash = newIdHash()
    await client.set(`ls:s:${idHash}`, 'somebody else’s string')
    const store = new RedisSessionStore({ client })
    const error = await rejectionOf(store.load(idHash))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error.message).toMatch(/WRONGTYPE.*keyPrefix/)
    expect(error.message).not.toContain(idHash)
  })

  test('a server that needs a password the client lacks is a ConfigurationError', async () => {
    const locked = await startRedisServer({ extraArgs: ['--requirepass', 'sesame'] })
    const anonymous = silenced(new Redis({ host: locked.host, port: locked.port, commandTimeout: 1000 }))
    try {
      const error = await rejectionOf(new RedisSessionStore({ client: anonymous }).load(newIdHash()))
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.message).toMatch(/NOAUTH/)
    } finally {
      anonymous.disconnect()
      await locked.stop()
    }
  })

  test('a malformed session hash loads as undefined with one warn that holds no data or id', async () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies Logger
    const store = new RedisSessionStore({ client, logger })
    const idHash = newIdHash()
    await client.hset(`ls:s:${idHash}`, { createdAt: 1, lastSeenAt: 1, expiresAt: 'later', 'd:secret': '"hunter2"' })
    expect(await store.load(idHash)).toBeUndefined()
    const broken = newIdHash()
    await client.hset(`ls:s:${broken}`, { createdAt: 1, lastSeenAt: 1, expiresAt: 2, 'd:secret': '{"hunter2"' })
    expect(await store.load(broken)).toBeUndefined()
    expect(logger.warn.mock.calls.map((call) => call[1])).toEqual([
      { reason: 'a timestamp is missing or not a number' },
      { reason: 'a value is not JSON' },
    ])
    const logged = JSON.stringify(logger.warn.mock.calls)
    for (const secret of ['hunter2', idHash, broken]) expect(logged).not.toContain(secret)
  })

  test('the constructor refuses a wrong set-up at once', () => {
    expect(() => new RedisSessionStore(undefined as never)).toThrow(ConfigurationError)
    expect(() => new RedisIdempotencyStore({ client: {} as never })).toThrow(ConfigurationError)
    expect(() => new RedisSessionStore({ client, timeoutMs: 0 })).toThrow(ConfigurationError)
    expect(() => new RedisSessionStore({ client, keyPrefix: 7 as never })).toThrow(ConfigurationError)
    const cluster = Object.assign(Object.create(client) as Redis, { isCluster: true })
    expect(() => new RedisSessionStore({ client: cluster })).toThrow(/hash tag/)
    expect(() => new RedisSessionStore({ client: cluster, keyPrefix: '{}:' })).toThrow(/hash tag/)
    expect(new RedisSessionStore({ client: cluster, keyPrefix: '{ls}:' }).keyPrefix).toBe('{ls}:')
  })
})
