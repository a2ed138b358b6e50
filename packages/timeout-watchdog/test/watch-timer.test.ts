import { describe, expect, it } from '@jest/globals'
import { startWatchTimer, stopWatchTimer, type TimedWatch, watchTimerState } from '../src/watch-timer.js'

/** A watch that records when it came due, on the timer's clock. */
function recordingWatch(name: string, fired: { name: string; at: number; dueAt: number }[]): TimedWatch {
  const watch: TimedWatch = {
    dueAt: 0,
    pending: false,
    previousPending: undefined,
    nextPending: undefined,
    due: () => fired.push({ name, at: performance.now(), dueAt: watch.dueAt }),
  }
  return watch
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the shared watch timer', () => {
  it('fires each watch once, in due order, never before it is due', async () => {
    const fired: { name: string; at: number; dueAt: number }[] = []
    startWatchTimer(recordingWatch('late', fired), 60)
    startWatchTimer(recordingWatch('early', fired), 20)
    startWatchTimer(recordingWatch('middle', fired), 40)
    await sleep(120)
    expect(fired.map((entry) => entry.name)).toEqual(['early', 'middle', 'late'])
    for (const entry of fired) expect(entry.at).toBeGreaterThanOrEqual(entry.dueAt)
    expect(watchTimerState().pending).toBe(0)
  })

  it('never fires a watch stopped in time, and still fires the others', async () => {
    const fired: { name: string; at: number; dueAt: number }[] = []
    const stopped = recordingWatch('stopped', fired)
    startWatchTimer(stopped, 20)
    startWatchTimer(recordingWatch('kept', fired), 40)
    stopWatchTimer(stopped)
    stopWatchTimer(stopped) // twice is harmless
    await sleep(90)
    expect(fired.map((entry) => entry.name)).toEqual(['kept'])
  })

  it('fires a later watch on time when the timer was left set for one that has gone', async () => {
    const fired: { name: string; at: number; dueAt: number }[] = []
    const gone = recordingWatch('gone', fired)
    startWatchTimer(gone, 15)
    stopWatchTimer(gone) // the invocation ended in time: the timer stays set for 15 ms
    const startedAt = performance.now()
    startWatchTimer(recordingWatch('next', fired), 500)
    await sleep(60)
    expect(fired).toEqual([]) // the timer fired for `gone`, found nothing due and was set again
    await sleep(550)
    expect(fired.map((entry) => entry.name)).toEqual(['next'])
    expect((fired[0]?.at ?? 0) - startedAt).toBeGreaterThanOrEqual(500)
  })

  it('holds the process open only while a watch is pending', () => {
    const watch = recordingWatch('held', [])
    startWatchTimer(watch, 10_000)
    expect(watchTimerState()).toEqual({ pending: 1, holdsProcess: true })
    stopWatchTimer(watch)
    expect(watchTimerState()).toEqual({ pending: 0, holdsProcess: false })
    // The next watch, due after the timer, makes the idle timer hold the process again.
    const next = recordingWatch('next', [])
    startWatchTimer(next, 20_000)
    expect(watchTimerState()).toEqual({ pending: 1, holdsProcess: true })
    stopWatchTimer(next)
    expect(watchTimerState().holdsProcess).toBe(false)
  })

  it('lets a watch that comes due start another from its callback', async () => {
    const fired: { name: string; at: number; dueAt: number }[] = []
    const first = recordingWatch('first', fired)
    const originalDue = first.due
    first.due = () => {
      originalDue()
      startWatchTimer(recordingWatch('second', fired), 10)
    }
    startWatchTimer(first, 10)
    await sleep(60)
    expect(fired.map((entry) => entry.name)).toEqual(['first', 'second'])
    expect(watchTimerState().pending).toBe(0)
  })
})
