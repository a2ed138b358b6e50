import { randomUUID } from 'node:crypto'

/**
 * Every field of the Lambda Node.js runtime's `Context` (the same members as
 * `Context` in `@types/aws-lambda`, declared here so the package needs no
 * extra types). Assignable wherever Middy expects a Lambda context.
 *
 * @example
 * ```ts
 * const context: LambdaContext = createLambdaContext()
 * ```
 */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean
  functionName: string
  functionVersion: string
  invokedFunctionArn: string
  memoryLimitInMB: string
  awsRequestId: string
  logGroupName: string
  logStreamName: string
  identity?: { cognitoIdentityId: string; cognitoIdentityPoolId: string }
  clientContext?: Record<string, unknown>
  getRemainingTimeInMillis(): number
  done(error?: Error, result?: unknown): void
  fail(error: Error | string): void
  succeed(messageOrObject: unknown, object?: unknown): void
}

/**
 * Options of {@link createLambdaContext}.
 *
 * @example
 * ```ts
 * const options: CreateLambdaContextOptions = { timeoutMs: 10_000, clock: new ManualClock() }
 * ```
 */
export interface CreateLambdaContextOptions {
  /** The function's timeout: the deadline is creation time plus this. @default 3000 (Lambda's default) */
  timeoutMs?: number
  /** Where time comes from, e.g. a {@link ManualClock}. @default the real clock (`Date.now`) */
  clock?: { now(): number }
  /** @default 'test-function' */
  functionName?: string
  /** @default a random UUID per context, as Lambda gives each invocation */
  awsRequestId?: string
  /** @default '128' */
  memoryLimitInMB?: string
}

const realClock = { now: (): number => Date.now() }

function notSupported(name: string): () => never {
  return () => {
    // Middy and async handlers never call these; a test that does has a bug worth seeing.
    throw new Error(`context.${name}() is not supported: return a value or throw from an async handler instead.`)
  }
}

/**
 * A Lambda context whose `getRemainingTimeInMillis()` counts down from
 * `timeoutMs` on the given clock (never below 0), so timeout logic can be
 * tested by moving a {@link ManualClock} instead of sleeping.
 *
 * @param options - timeout, clock and names @default {}
 * @example
 * ```ts
 * const clock = new ManualClock()
 * const context = createLambdaContext({ timeoutMs: 1000, clock })
 * clock.advance(400)
 * context.getRemainingTimeInMillis() // 600
 * ```
 */
export function createLambdaContext(options: CreateLambdaContextOptions = {}): LambdaContext {
  const clock = options.clock ?? realClock
  const timeoutMs = options.timeoutMs ?? 3000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`createLambdaContext: timeoutMs must be a positive number, got ${timeoutMs}.`)
  }
  const functionName = options.functionName ?? 'test-function'
  const deadline = clock.now() + timeoutMs
  const date = new Date(clock.now()).toISOString().slice(0, 10).replaceAll('-', '/')
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '128',
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${date}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    done: notSupported('done'),
    fail: notSupported('fail'),
    succeed: notSupported('succeed'),
  }
}
