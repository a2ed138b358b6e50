import { randomUUID } from 'node:crypto'
import type { HttpEvent } from '@lambda-session/core'
import { type Invocation, invoke, type LambdaHandler, request, sidFrom } from './invoke.js'

/** One request of a burst, with what the client asked for. */
export interface BurstRequest extends Invocation {
  user: number
  /** ms since the burst started, when it was sent. */
  sentAt: number
  kind: 'add' | 'read' | 'checkout'
  /** The sku an `add` appended, the key a `checkout` used. */
  token: string
  sid: string | undefined
  /** The order id a successful checkout returned. */
  orderId?: string
}

/** A simulated client with its session cookie. */
export interface BurstUser {
  index: number
  sid: string | undefined
  /** The handler this user talks to (so one burst can hit two chains). */
  handler: LambdaHandler
}

/** Options of {@link runBurst}. */
export interface BurstOptions {
  users: BurstUser[]
  /** Users stop sending new requests after this. */
  durationMs: number
  /** Pause between one user's requests. @default 10 */
  thinkMs?: number
  functionTimeoutMs: number
  /** Called once, this long after the start (e.g. to stop the server). */
  faultAtMs?: number
  fault?: () => Promise<void> | void
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Signs every user in (one session each); fails loudly if that does not work. */
export async function signIn(users: BurstUser[], functionTimeoutMs: number): Promise<void> {
  await Promise.all(
    users.map(async (user) => {
      const login = await invoke(user.handler, request('POST', '/login', { body: { userId: `user-${user.index}` } }), {
        functionTimeoutMs,
      })
      user.sid = sidFrom(login.response)
      if (login.outcome !== 200 || !user.sid) throw new Error(`sign-in failed: ${login.outcome}`)
    }),
  )
}

function nextRequest(user: BurstUser, step: number): { kind: BurstRequest['kind']; token: string; event: HttpEvent } {
  const token = randomUUID()
  const sid = user.sid
  if (step % 3 === 0)
    return { kind: 'add', token, event: request('POST', '/cart/items', { sid, body: { sku: token } }) }
  if (step % 3 === 1) return { kind: 'read', token, event: request('GET', '/cart', { sid }) }
  return { kind: 'checkout', token, event: request('POST', '/checkout', { sid, idempotencyKey: token }) }
}

/**
 * Every user sends add / read / checkout requests one after another until
 * `durationMs` has passed, while `fault` runs once at `faultAtMs`. Resolves
 * with every request once all have ended, however they ended.
 */
export async function runBurst(options: BurstOptions): Promise<BurstRequest[]> {
  const started = performance.now()
  const results: BurstRequest[] = []
  const faultDone =
    options.fault === undefined ? Promise.resolve() : sleep(options.faultAtMs ?? 0).then(() => options.fault?.())
  await Promise.all(
    options.users.map(async (user) => {
      for (let step = 0; performance.now() - started < options.durationMs; step++) {
        const { kind, token, event } = nextRequest(user, step)
        const sentAt = performance.now() - started
        const invocation = await invoke(user.handler, event, { functionTimeoutMs: options.functionTimeoutMs })
        const orderId =
          kind === 'checkout' && invocation.outcome === 200
            ? (JSON.parse(invocation.response?.body ?? '{}') as { orderId?: string }).orderId
            : undefined
        results.push({ ...invocation, user: user.index, sentAt, kind, token, sid: user.sid, orderId })
        await sleep(options.thinkMs ?? 10)
      }
    }),
  )
  await faultDone
  return results
}

/** Outcomes counted by status (`hung`, `threw` included). */
export function countOutcomes(requests: readonly Invocation[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const { outcome } of requests) counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1
  return counts
}
