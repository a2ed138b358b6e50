import type { InvocationTimeoutHookEntry, Logger } from '@lambda-session/core'

const pkg = '@lambda-session/timeout-watchdog'

/**
 * How one timeout hook ended: `done`; `failed` (threw or rejected);
 * `timed-out` (still running when its share ran out: left behind, its signal
 * aborted).
 *
 * @example
 * ```ts
 * const failed = outcomes.filter((o) => o.outcome !== 'done')
 * ```
 */
export interface HookOutcome {
  name: string
  outcome: 'done' | 'failed' | 'timed-out'
  ms: number
}

async function runHook(entry: InvocationTimeoutHookEntry, budgetMs: number, logger: Logger): Promise<HookOutcome> {
  const started = performance.now()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const usedUp = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), budgetMs)
  })
  let outcome: HookOutcome['outcome']
  try {
    // `then` turns a synchronous throw into a rejection the race can catch.
    const running = Promise.resolve()
      .then(() => entry.hook({ signal: controller.signal, budgetMs }))
      .then(() => 'done' as const)
    outcome = await Promise.race([running, usedUp])
  } catch (error) {
    outcome = 'failed'
    logger.error('timeout hook failed', { package: pkg, event: 'hook-failed', hook: entry.name, error: String(error) })
  } finally {
    clearTimeout(timer)
  }
  if (outcome === 'timed-out') {
    // Tell the hook to stop (an SDK call given this signal gives up); nobody waits for it any more.
    controller.abort(new DOMException('The timeout hook used up its share of the margin.', 'TimeoutError'))
    logger.warn('timeout hook did not finish in its share of the margin; left behind', {
      package: pkg,
      event: 'hook-timed-out',
      hook: entry.name,
      budgetMs,
    })
  }
  return { name: entry.name, outcome, ms: Math.round(performance.now() - started) }
}

/**
 * Runs the hooks one after another, in the order given, until `endsAt` (a
 * `performance.now()` time). Each hook may use what is left except a slice
 * kept for every hook after it (half the budget, split evenly): the usual
 * hooks are quick, so a slow store call gets most of the budget, yet one
 * that hangs can't leave the hooks after it without time. Every hook is
 * started, even when no time is left (a release request sent is better than
 * none); it is then just not waited for. Never throws.
 *
 * @param entries - the hooks, in run order
 * @param endsAt - when the last one must be over, on the `performance.now()` clock
 * @param logger - where failures and hooks left behind are reported
 * @example
 * ```ts
 * const outcomes = await runTimeoutHooks(deadline.expire(), performance.now() + 250, console)
 * ```
 */
export async function runTimeoutHooks(
  entries: readonly InvocationTimeoutHookEntry[],
  endsAt: number,
  logger: Logger,
): Promise<HookOutcome[]> {
  const outcomes: HookOutcome[] = []
  const keptPerHookMs = (endsAt - performance.now()) / (2 * entries.length)
  for (const [index, entry] of entries.entries()) {
    const hooksAfter = entries.length - index - 1
    const budgetMs = Math.max(1, Math.floor(endsAt - performance.now() - hooksAfter * keptPerHookMs))
    outcomes.push(await runHook(entry, budgetMs, logger))
  }
  return outcomes
}
