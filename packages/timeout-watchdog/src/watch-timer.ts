/**
 * One Node timer for every armed watch in the process.
 *
 * A timer per invocation costs a `setTimeout` (a `Timeout` object, and a
 * timer list made and queued for its duration, since each invocation's
 * remaining time differs) and a `clearTimeout` when the invocation ends in
 * time, as nearly all do: about a tenth of the whole chain's CPU. Here an
 * invocation that ends in time leaves the shared timer where it is. The next
 * invocation is due later than the one before it, so the timer needs no
 * change: when it fires early for a watch that has gone, it finds nothing due
 * and is set again for the earliest watch still pending. Within one timeout
 * period that is at most one timer change, however many invocations ran.
 *
 * The timer holds the process open only while some watch is pending (as the
 * per-invocation timer did); with none, it is unref'd, so a script or a test
 * run never waits for a deadline nobody is watching.
 */

/** What the shared timer schedules: a watch with its due time, in the list of pending ones. */
export interface TimedWatch {
  /** @internal When it is due, on `performance.now()`'s clock. */
  dueAt: number
  /** @internal Whether it is in the pending list. */
  pending: boolean
  /** @internal Links of the pending list (unordered: a handful at most, one per running invocation). */
  previousPending: TimedWatch | undefined
  nextPending: TimedWatch | undefined
  /** Called once, when due, unless stopped before. */
  due(): void
}

let firstPending: TimedWatch | undefined
let pendingCount = 0
let timer: NodeJS.Timeout | undefined
let timerDueAt = Number.POSITIVE_INFINITY

/** Schedules `watch` to be due `delayMs` from now. */
export function startWatchTimer(watch: TimedWatch, delayMs: number): void {
  const dueAt = performance.now() + delayMs
  watch.dueAt = dueAt
  watch.pending = true
  watch.previousPending = undefined
  watch.nextPending = firstPending
  if (firstPending) firstPending.previousPending = watch
  firstPending = watch
  pendingCount++
  if (timer === undefined || dueAt < timerDueAt) setTimer(delayMs, dueAt)
  else if (pendingCount === 1) timer.ref() // it was idle: it holds the process again
}

/** Takes `watch` off the schedule; a no-op if it is not on it. The timer stays, for the next watch. */
export function stopWatchTimer(watch: TimedWatch): void {
  if (!watch.pending) return
  watch.pending = false
  const { previousPending, nextPending } = watch
  if (previousPending) previousPending.nextPending = nextPending
  else firstPending = nextPending
  if (nextPending) nextPending.previousPending = previousPending
  watch.previousPending = undefined
  watch.nextPending = undefined
  pendingCount--
  if (pendingCount === 0) timer?.unref()
}

function setTimer(delayMs: number, dueAt: number): void {
  if (timer !== undefined) clearTimeout(timer)
  timer = setTimeout(onTimer, delayMs)
  timerDueAt = dueAt
}

function onTimer(): void {
  timer = undefined
  timerDueAt = Number.POSITIVE_INFINITY
  const now = performance.now()
  const dueNow: TimedWatch[] = []
  for (let watch = firstPending; watch; watch = watch.nextPending) if (watch.dueAt <= now) dueNow.push(watch)
  if (dueNow.length > 1) dueNow.sort((a, b) => a.dueAt - b.dueAt) // a late timer fires them in the order they came due
  for (const watch of dueNow) {
    stopWatchTimer(watch)
    watch.due()
  }
  // What is left is due later (the timer fired for a watch that has gone, or a
  // moment early by the event loop's coarser clock): set it for the earliest.
  let earliest = Number.POSITIVE_INFINITY
  for (let watch = firstPending; watch; watch = watch.nextPending) earliest = Math.min(earliest, watch.dueAt)
  if (earliest < timerDueAt) {
    setTimer(Math.max(1, Math.ceil(earliest - performance.now())), earliest)
  }
}

/** @internal For tests: how many watches are pending, and whether the timer holds the process open. */
export function watchTimerState(): { pending: number; holdsProcess: boolean } {
  return { pending: pendingCount, holdsProcess: timer?.hasRef() ?? false }
}
