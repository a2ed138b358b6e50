import { StoreUnavailableError } from '@lambda-session/core'
import { PACKAGE_NAME, toRedisStoreError } from './redis-errors.js'

/**
 * Runs one store call and maps its failure; if no answer comes within
 * `timeoutMs`, fails with a 503 at once. The backstop for clients without
 * `commandTimeout`: `ioredis` queues commands while it reconnects, by
 * default for 20 reconnection attempts, long past a Lambda's deadline.
 * A call that answers late is ignored (its rejection handled), so nothing
 * goes unhandled.
 *
 * @internal
 * @example
 * ```ts
 * const fields = await callWithinDeadline('load', 2000, () => client.hgetall(key))
 * ```
 */
export async function callWithinDeadline<T>(operation: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new StoreUnavailableError(operation, {
          package: PACKAGE_NAME,
          cause: new Error(`no answer from Redis within ${timeoutMs} ms`),
        }),
      )
    }, timeoutMs)
  })
  try {
    const pending = call()
    pending.catch(() => {}) // may settle after the deadline won
    return await Promise.race([pending, deadline])
  } catch (error) {
    throw toRedisStoreError(error, operation)
  } finally {
    clearTimeout(timer)
  }
}
