/**
 * Anything console-shaped: `console`, Powertools' `Logger`, pino. Each method
 * gets a message and a structured object. The packages never pass a session
 * id, a secret or session data to it.
 */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void
  info(message: string, details?: Record<string, unknown>): void
  warn(message: string, details?: Record<string, unknown>): void
  error(message: string, details?: Record<string, unknown>): void
}

const noop = (): void => {}

/** A logger that drops everything: the default, so tests and quiet functions stay quiet. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }
