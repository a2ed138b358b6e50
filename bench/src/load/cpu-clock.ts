/**
 * Process CPU time (user + system, every thread: GC and JIT included) in ms,
 * as a tinybench clock. Timing with it instead of the wall clock keeps a
 * shared machine's other load out of the samples: time spent waiting for a
 * core is not counted, and it is what Lambda's CPU share is spent on.
 */
export function cpuNow(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}
