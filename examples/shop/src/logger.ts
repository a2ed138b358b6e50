import type { Logger } from '@lambda-session/core'
import { LOG_LEVELS, type LogLevel, readSettings } from './settings.js'

/**
 * A console-shaped logger writing one JSON object per line (CloudWatch
 * parses them), dropping levels below `minimum`.
 */
export function jsonLogger(minimum: LogLevel, write: (line: string) => void = (line) => console.log(line)): Logger {
  const threshold = LOG_LEVELS.indexOf(minimum)
  const at =
    (level: LogLevel) =>
    (message: string, details?: Record<string, unknown>): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return
      write(JSON.stringify({ level, message, ...details, time: new Date().toISOString() }))
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** The apps' logger, at `LOG_LEVEL`: the middlewares' structured events, never ids, secrets or data. */
export const logger = jsonLogger(readSettings().logLevel)
