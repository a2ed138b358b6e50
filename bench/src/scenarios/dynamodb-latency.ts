import { DynamoDBIdempotencyStore, DynamoDBSessionStore } from '@lambda-session/dynamodb-store'
import { buildChain, guardOnly, type Invoke } from '../app/chains.ts'
import { powertoolsIdempotentHandler } from '../app/powertools-handler.ts'
import { cartOf, eventMaker, expectStatus, lambdaContext, nth, signIn } from '../app/requests.ts'
import type { BenchSettings } from '../bench-settings.ts'
import type { BenchDynamoDB, MeteredClient } from '../dynamodb/bench-dynamodb.ts'
import { type LoadSummary, type RequestTally, runLoad, summarizeTally } from '../load/run-load.ts'

/** One scenario on one system at one concurrency, all rounds together. */
export interface LatencyRow extends LoadSummary {
  scenario: string
  system: string
  concurrency: number
  /** Per request: capacity units. */
  readUnits: number
  writeUnits: number
  unreported: number
}

interface SystemUnderTest {
  name: string
  metered: MeteredClient
  invoke: Invoke
}

/** Sends one request from a worker and checks the answer. */
type Send = (worker: number) => Promise<void>

interface LatencyScenario {
  name: string
  systems: SystemUnderTest[]
  /** Seeds what the run needs (sessions, stored keys), outside the counts, and returns its sender. */
  prepare(system: SystemUnderTest, concurrency: number, run: string): Promise<Send>
}

export const OURS_GUARD = 'lambda-session idempotency-guard'
export const POWERTOOLS = 'Powertools makeHandlerIdempotent'
export const OURS_CHAIN = 'lambda-session full chain'

async function signInWorkers(invoke: Invoke, concurrency: number, run: string): Promise<string[]> {
  return Promise.all(Array.from({ length: concurrency }, (_, worker) => signIn(invoke, `${run}-${worker}`, cartOf(3))))
}

function sessionScenarios(chain: SystemUnderTest): LatencyScenario[] {
  return [
    {
      name: 'session read',
      systems: [chain],
      async prepare(system, concurrency, run) {
        const cookies = await signInWorkers(system.invoke, concurrency, run)
        const makers = cookies.map((cookie) => eventMaker({ method: 'GET', path: '/cart', cookies: [cookie] }))
        return async (worker) => {
          const response = expectStatus(
            await system.invoke(nth(makers, worker)(), lambdaContext()),
            200,
            'session read',
          )
          if (response.cookies?.length) throw new Error('session read: an unchanged session sent a cookie')
        }
      },
    },
    {
      // Each worker writes its own session: a write benchmark, not a conflict test.
      name: 'session write (one key)',
      systems: [chain],
      async prepare(system, concurrency, run) {
        const cookies = await signInWorkers(system.invoke, concurrency, run)
        const makers = cookies.map((cookie) =>
          eventMaker({ method: 'POST', path: '/cart', cookies: [cookie], body: cartOf(2) }),
        )
        return async (worker) => {
          expectStatus(await system.invoke(nth(makers, worker)(), lambdaContext()), 200, 'session write')
        }
      },
    },
  ]
}

function checkoutEvent(key: string) {
  return eventMaker({
    method: 'POST',
    path: '/checkout',
    headers: { 'idempotency-key': key },
    body: { payment: 'card' },
  })()
}

function idempotencyScenarios(systems: SystemUnderTest[]): LatencyScenario[] {
  return [
    {
      name: 'idempotent first call',
      systems,
      async prepare(system, _concurrency, run) {
        let counter = 0
        return async () => {
          const event = checkoutEvent(`${run}-${counter++}`)
          const response = expectStatus(await system.invoke(event, lambdaContext()), 200, 'first call')
          if (response.headers?.['Idempotent-Replayed']) throw new Error('first call: answered as a replay')
        }
      },
    },
    {
      // One stored key per worker; every request replays it.
      name: 'idempotent replay',
      systems,
      async prepare(system, concurrency, run) {
        const keys = Array.from({ length: concurrency }, (_, worker) => `${run}-${worker}`)
        const bodies = await Promise.all(
          keys.map(
            async (key) => expectStatus(await system.invoke(checkoutEvent(key), lambdaContext()), 200, 'seed').body,
          ),
        )
        return async (worker) => {
          const response = await system.invoke(checkoutEvent(nth(keys, worker)), lambdaContext())
          if (expectStatus(response, 200, 'replay').body !== bodies[worker]) throw new Error('replay: another body')
        }
      },
    },
  ]
}

interface Tally extends RequestTally {
  readUnits: number
  writeUnits: number
  unreported: number
}

async function measureOnce(
  system: SystemUnderTest,
  send: Send,
  concurrency: number,
  requests: number,
  tally: Tally,
  warmupRequests: number,
): Promise<void> {
  if (warmupRequests > 0) await runLoad(concurrency, warmupRequests, (_index, worker) => send(worker))
  system.metered.calls.reset()
  system.metered.capacity.reset()
  const run = await runLoad(concurrency, requests, (_index, worker) => send(worker))
  tally.latenciesMs.push(...run.latenciesMs)
  tally.elapsedMs += run.elapsedMs
  tally.requests += requests
  for (const [command, count] of Object.entries(system.metered.calls.counts)) {
    tally.calls[command] = (tally.calls[command] ?? 0) + count
  }
  tally.readUnits += system.metered.capacity.readUnits()
  tally.writeUnits += system.metered.capacity.writeUnits()
  tally.unreported += system.metered.capacity.unreported()
}

function toRow(scenario: string, system: string, concurrency: number, tally: Tally): LatencyRow {
  const perRequest = (value: number) => value / tally.requests
  return {
    scenario,
    system,
    concurrency,
    ...summarizeTally(tally),
    readUnits: perRequest(tally.readUnits),
    writeUnits: perRequest(tally.writeUnits),
    unreported: perRequest(tally.unreported),
  }
}

/**
 * Scenarios 2 and 3: latency, throughput, round trips and capacity against
 * DynamoDB Local. Where two systems do the same job they run in alternating
 * order within each round, so both see the same machine and server state.
 */
export async function runDynamoDBLatency(
  dynamodb: BenchDynamoDB,
  settings: BenchSettings['dynamodb'],
): Promise<LatencyRow[]> {
  const tables = await dynamodb.createTables()
  const ours = dynamodb.meteredClient()
  const theirs = dynamodb.meteredClient()
  const sessionStore = new DynamoDBSessionStore({ client: ours.client, tableName: tables.sessions })
  const idempotencyStore = new DynamoDBIdempotencyStore({ client: ours.client, tableName: tables.idempotency })
  const chain: SystemUnderTest = {
    name: OURS_CHAIN,
    metered: ours,
    invoke: buildChain({ sessionStore, idempotencyStore }),
  }
  const guard: SystemUnderTest = { name: OURS_GUARD, metered: ours, invoke: guardOnly(idempotencyStore) }
  const powertools: SystemUnderTest = {
    name: POWERTOOLS,
    metered: theirs,
    invoke: powertoolsIdempotentHandler(theirs.client, tables.powertools),
  }

  const rows: LatencyRow[] = []
  for (const scenario of [...sessionScenarios(chain), ...idempotencyScenarios([guard, powertools])]) {
    for (const { concurrency, requests, rounds } of settings.levels) {
      const tallies = scenario.systems.map(
        (): Tally => ({
          latenciesMs: [],
          elapsedMs: 0,
          requests: 0,
          calls: {},
          readUnits: 0,
          writeUnits: 0,
          unreported: 0,
        }),
      )
      for (let round = 0; round < rounds; round++) {
        const order = scenario.systems.map((_, index) => index)
        if (round % 2 === 1) order.reverse()
        for (const index of order) {
          const system = scenario.systems[index] as SystemUnderTest
          const run = `${scenario.name}-${concurrency}-${round}-${index}`.replaceAll(' ', '_')
          const send = await scenario.prepare(system, concurrency, run)
          const warmup = round === 0 ? settings.warmupRequests : 0
          await measureOnce(system, send, concurrency, requests, tallies[index] as Tally, warmup)
        }
      }
      scenario.systems.forEach((system, index) => {
        rows.push(toRow(scenario.name, system.name, concurrency, tallies[index] as Tally))
      })
      process.stdout.write('.')
    }
  }
  return rows
}
