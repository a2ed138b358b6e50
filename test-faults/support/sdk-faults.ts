import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'

/** DynamoDB's two throttling answers, as the SDK raises them. */
export const THROTTLING_EXCEPTIONS = ['ProvisionedThroughputExceededException', 'ThrottlingException'] as const

/**
 * An error shaped like the SDK's for a throttled DynamoDB request: the name,
 * a 400, a client fault and the `throttling` retry trait.
 */
export function throttlingError(name: (typeof THROTTLING_EXCEPTIONS)[number]): Error {
  return Object.assign(new Error(`${name}: the request rate is too high (injected)`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400, attempts: 1 },
    $retryable: { throttling: true },
  })
}

/** What an injector has done so far. */
export interface InjectionCounts {
  /** Requests it failed or delayed. */
  injected: number
  /** Requests it let through untouched. */
  passed: number
  /** Injected requests by exception name (throttling only). */
  byName: Record<string, number>
}

/** Options of {@link injectThrottling}. */
export interface ThrottlingInjection {
  /** Throttle the first N requests, then none. */
  first?: number
  /** Or throttle each request with this probability (a seeded draw, see `random`). */
  probability?: number
  /**
   * Or throttle the first N attempts of every store call (the store resends
   * the same command when it retries, so its attempts are told apart from
   * other calls by their input).
   */
  firstAttemptsOfEachCall?: number
  /** Only these commands, e.g. `['UpdateItemCommand']`. @default all */
  commands?: readonly string[]
  /** Random source in [0, 1) for `probability` and the exception name. @default Math.random */
  random?: () => number
}

let injectorId = 0

/**
 * Throttles requests of `client` the way DynamoDB does: inside the SDK's
 * retry loop (step `deserialize`, before the request is sent), alternating
 * `ProvisionedThroughputExceededException` and `ThrottlingException`.
 * Returns live counts. `stop()` lets everything through again.
 */
export function injectThrottling(client: DynamoDBClient, options: ThrottlingInjection) {
  const random = options.random ?? Math.random
  const counts: InjectionCounts = { injected: 0, passed: 0, byName: {} }
  const attemptsOf = new WeakMap<object, number>()
  let stopped = false
  const decide = (input: object): boolean => {
    if (options.first !== undefined) return counts.injected < options.first
    if (options.firstAttemptsOfEachCall !== undefined) {
      const attempts = (attemptsOf.get(input) ?? 0) + 1
      attemptsOf.set(input, attempts)
      return attempts <= options.firstAttemptsOfEachCall
    }
    return random() < (options.probability ?? 0)
  }
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName)
      const applies = !stopped && (!options.commands || options.commands.includes(command))
      const throttle = applies && decide((args as { input: object }).input)
      if (!throttle) {
        counts.passed++
        return next(args)
      }
      const name = THROTTLING_EXCEPTIONS[
        counts.injected % THROTTLING_EXCEPTIONS.length
      ] as (typeof THROTTLING_EXCEPTIONS)[number]
      counts.injected++
      counts.byName[name] = (counts.byName[name] ?? 0) + 1
      throw throttlingError(name)
    },
    { step: 'deserialize', name: `faultsThrottling${++injectorId}` },
  )
  return {
    counts,
    stop() {
      stopped = true
    },
  }
}

/** Which requests an injector touches: all by default. */
export interface RequestMatch {
  /** Command names, e.g. `['UpdateItemCommand']`. */
  commands?: readonly string[]
  /** Only requests to this table. */
  tableName?: string
}

function matches(match: RequestMatch | undefined, commandName: string, args: unknown): boolean {
  if (!match) return true
  if (match.commands && !match.commands.includes(commandName)) return false
  if (match.tableName === undefined) return true
  const input = (args as { input?: { TableName?: string; TransactItems?: Record<string, { TableName?: string }>[] } })
    .input
  if (input?.TableName === match.tableName) return true
  // A transaction matches when one of its members writes to the table.
  return (input?.TransactItems ?? []).some((item) =>
    Object.values(item).some((member) => member?.TableName === match.tableName),
  )
}

/**
 * Makes every matching request of `client` wait `ms` before it is sent: a
 * slow network or an overloaded endpoint. Requests the caller gives up on
 * still go out afterwards, as they would from a real slow client.
 */
export function injectLatency(client: DynamoDBClient, ms: number, match?: RequestMatch) {
  const counts: InjectionCounts = { injected: 0, passed: 0, byName: {} }
  let delayMs = ms
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (delayMs <= 0 || !matches(match, String(context.commandName), args)) {
        counts.passed++
        return next(args)
      }
      counts.injected++
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      return next(args)
    },
    { step: 'deserialize', name: `faultsLatency${++injectorId}` },
  )
  return {
    counts,
    setLatency(next: number) {
      delayMs = next
    },
  }
}

/**
 * Lets the next `times` matching requests reach DynamoDB and then fails
 * them as if the answer was lost (a socket reset after the request was
 * sent): the write happened, the caller can't know. The classic ambiguous
 * outcome of a network fault.
 */
export function loseAnswers(client: DynamoDBClient, times: number, match: RequestMatch) {
  let stopped = false
  const counts = Object.assign({ injected: 0, passed: 0, byName: {} } as InjectionCounts, {
    /** Lets every answer through again. */
    stop() {
      stopped = true
    },
  })
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const lose = !stopped && counts.injected < times && matches(match, String(context.commandName), args)
      const result = await next(args)
      if (!lose) {
        counts.passed++
        return result
      }
      counts.injected++
      throw Object.assign(new Error('socket hang up (injected after the request was sent)'), {
        name: 'TimeoutError',
        code: 'ECONNRESET',
        $metadata: {},
      })
    },
    { step: 'deserialize', name: `faultsLostAnswer${++injectorId}` },
  )
  return counts
}
