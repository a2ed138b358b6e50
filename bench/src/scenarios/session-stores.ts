import { CookieSessionStore } from '@lambda-session/cookie-store'
import type { SessionStore } from '@lambda-session/core'
import { DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
import { RedisSessionStore, redisClientDefaults } from '@lambda-session/redis-store'
import { startRedisServer } from '@lambda-session/redis-store/testing'
import { Redis } from 'ioredis'
import { buildChain, FULL_CHAIN, type Invoke } from '../app/chains.ts'
import { cartOf, eventMaker, expectStatus, lambdaContext, nth, signIn } from '../app/requests.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { BenchDynamoDB } from '../dynamodb/bench-dynamodb.ts'
import { type LoadSummary, type RequestTally, runLoad, summarizeTally } from '../load/run-load.ts'
import { countRedisCommands } from '../stores/counted-redis-client.ts'
import { InMemoryIdempotencyStore } from '../stores/in-memory-idempotency-store.ts'

/** The stores compared, in the order the report's columns show them; the first is the baseline. */
export const STORE_DYNAMODB = 'DynamoDB Local'
export const STORE_REDIS = 'Redis'
export const STORE_COOKIE = 'sealed cookie'
export const STORES = [STORE_DYNAMODB, STORE_REDIS, STORE_COOKIE] as const

/** One request type on one store at one concurrency, all rounds together. */
export interface StoreRow extends LoadSummary {
  scenario: string
  store: string
  concurrency: number
}

interface StoreUnderTest {
  name: string
  invoke: Invoke
  /** Store commands since the last reset, by name. */
  counts(): Record<string, number>
  reset(): void
}

type Send = (worker: number) => Promise<void>

interface StoreScenario {
  name: string
  /** Signs each worker in (outside the counts) and returns its sender. */
  prepare(system: StoreUnderTest, concurrency: number, run: string): Promise<Send>
}

async function signInWorkers(invoke: Invoke, concurrency: number, run: string): Promise<string[]> {
  return Promise.all(Array.from({ length: concurrency }, (_, worker) => signIn(invoke, `${run}-${worker}`, cartOf(3))))
}

/** The two session requests of scenario 2, unchanged, so the DynamoDB column is comparable with it. */
const scenarios: StoreScenario[] = [
  {
    name: 'session read',
    async prepare(system, concurrency, run) {
      const cookies = await signInWorkers(system.invoke, concurrency, run)
      const makers = cookies.map((cookie) => eventMaker({ method: 'GET', path: '/cart', cookies: [cookie] }))
      return async (worker) => {
        const response = expectStatus(await system.invoke(nth(makers, worker)(), lambdaContext()), 200, 'session read')
        if (response.cookies?.length) throw new Error('session read: an unchanged session sent a cookie')
      }
    },
  },
  {
    // Each worker writes its own session. A sealed cookie is re-sealed from the same cookie each
    // time (a browser would send the new one), which is the same work.
    name: 'session write (one key)',
    async prepare(system, concurrency, run) {
      const cookies = await signInWorkers(system.invoke, concurrency, run)
      const makers = cookies.map((cookie) =>
        eventMaker({ method: 'POST', path: '/cart', cookies: [cookie], body: cartOf(2) }),
      )
      return async (worker) => {
        const response = expectStatus(await system.invoke(nth(makers, worker)(), lambdaContext()), 200, 'write')
        if (system.name === STORE_COOKIE && !response.cookies?.length) throw new Error('write: no re-sealed cookie')
      }
    },
  },
]

/** The chain of scenario 2 without the guard: these requests carry no `Idempotency-Key`, so it would only pass them on. */
function chainOn(sessionStore: SessionStore): Invoke {
  return buildChain(
    { sessionStore, idempotencyStore: new InMemoryIdempotencyStore() },
    { ...FULL_CHAIN, idempotency: false },
  )
}

function toRow(scenario: string, store: string, concurrency: number, tally: RequestTally): StoreRow {
  return { scenario, store, concurrency, ...summarizeTally(tally) }
}

/**
 * Scenario 6: the same session read and one-key write through the same
 * chain on three stores: DynamoDB Local, a real `redis-server` started here
 * on a free loopback port (stopped at the end), and the sealed cookie store.
 * The stores take turns within each round, the order rotating round by
 * round, so each sees the same machine.
 */
export async function runSessionStores(
  dynamodb: BenchDynamoDB,
  settings: BenchSettings['stores'],
): Promise<StoreRow[]> {
  const tables = await dynamodb.createTables()
  const metered = dynamodb.meteredClient()
  const redisServer = await startRedisServer()
  const redis = new Redis(redisServer.port, redisServer.host, { ...redisClientDefaults })
  try {
    const counted = countRedisCommands(redis)
    const systems: StoreUnderTest[] = [
      {
        name: STORE_DYNAMODB,
        invoke: chainOn(new DynamoDBSessionStore({ client: metered.client, tableName: tables.sessions })),
        counts: () => metered.calls.counts,
        reset: () => metered.calls.reset(),
      },
      {
        name: STORE_REDIS,
        invoke: chainOn(new RedisSessionStore({ client: counted.client })),
        counts: () => counted.counts,
        reset: () => counted.reset(),
      },
      { name: STORE_COOKIE, invoke: chainOn(new CookieSessionStore()), counts: () => ({}), reset: () => {} },
    ]
    const rows: StoreRow[] = []
    for (const scenario of scenarios) {
      for (const { concurrency, requests } of settings.levels) {
        const tallies = systems.map((): RequestTally => ({ latenciesMs: [], elapsedMs: 0, requests: 0, calls: {} }))
        for (let round = 0; round < settings.rounds; round++) {
          for (let turn = 0; turn < systems.length; turn++) {
            const index = (turn + round) % systems.length
            const system = systems[index] as StoreUnderTest
            const tally = tallies[index] as RequestTally
            const run = `stores-${scenario.name}-${concurrency}-${round}-${index}`.replaceAll(' ', '_')
            const send = await scenario.prepare(system, concurrency, run)
            await runLoad(concurrency, settings.warmupRequests, (_index, worker) => send(worker))
            system.reset()
            const load = await runLoad(concurrency, requests, (_index, worker) => send(worker))
            tally.latenciesMs.push(...load.latenciesMs)
            tally.elapsedMs += load.elapsedMs
            tally.requests += requests
            for (const [command, count] of Object.entries(system.counts())) {
              tally.calls[command] = (tally.calls[command] ?? 0) + count
            }
          }
        }
        systems.forEach((system, index) => {
          rows.push(toRow(scenario.name, system.name, concurrency, tallies[index] as RequestTally))
        })
        process.stdout.write('.')
      }
    }
    return rows
  } finally {
    redis.disconnect()
    await redisServer.stop()
  }
}
