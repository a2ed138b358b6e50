import type { Logger } from '@lambda-session/core'

/** One call a logger received. */
export interface LogCall {
  level: keyof Logger
  message: string
  details?: Record<string, unknown>
}

/**
 * Everything reachable from a value, as text: own properties of objects and
 * errors (name, message, stack and `cause` included, however deep), the way
 * a structured logger such as Powertools' or pino serialises what it is given.
 */
export function deepText(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value !== 'object' && typeof value !== 'function') return String(value)
  if (seen.has(value)) return ''
  seen.add(value)
  const parts: string[] = []
  if (value instanceof Error) parts.push(value.name, value.message, value.stack ?? '', deepText(value.cause, seen))
  if (value instanceof Map || value instanceof Set) for (const entry of value) parts.push(deepText(entry, seen))
  if (ArrayBuffer.isView(value)) parts.push(Buffer.from(value.buffer).toString('utf8'))
  for (const key of Reflect.ownKeys(value)) {
    parts.push(String(key), deepText((value as Record<PropertyKey, unknown>)[key], seen))
  }
  return parts.join(' ')
}

/** A logger that keeps every call, for tests that read what was logged. */
export function recordingLogger() {
  const calls: LogCall[] = []
  const record =
    (level: keyof Logger) =>
    (message: string, details?: Record<string, unknown>): void => {
      calls.push({ level, message, ...(details === undefined ? {} : { details }) })
    }
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
  return { logger, calls }
}
