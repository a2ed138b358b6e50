import type { KeyChange, SessionUpdate } from '@lambda-session/core'
import { checkSessionKey, encodeJsonValue } from './json-value.js'
import { expiryMs } from './session-fields.js'

/** The `update` script's arguments for one request, and what a refusal needs to report. @internal */
export interface CompiledSessionUpdate {
  /** `ARGV` of the update script (layout in `session-scripts.ts`). */
  args: string[]
  /** The new owner, when the update sets one: its user set is the script's second key. */
  newUserId: string | undefined
}

function checkVersion(change: KeyChange & { expectedVersion: number }): void {
  if (!Number.isSafeInteger(change.expectedVersion) || change.expectedVersion < 0) {
    throw new TypeError(`Session update of '${change.key}': expectedVersion must be a non-negative integer.`)
  }
}

function checkTime(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite epoch ms.`)
}

/** The four arguments of one change, or none for a change that changes nothing. */
function changeArgs(change: KeyChange): string[] {
  switch (change.kind) {
    case 'set':
      checkVersion(change)
      // `undefined` is no value: the key is deleted, as a JSON object member would vanish.
      if (change.value === undefined) return ['d', change.key, String(change.expectedVersion), '']
      return ['s', change.key, String(change.expectedVersion), encodeJsonValue(change.value, change.key)]
    case 'delete':
      checkVersion(change)
      return ['d', change.key, String(change.expectedVersion), '']
    case 'increment':
      if (typeof change.by !== 'number' || !Number.isFinite(change.by)) {
        throw new TypeError(`Session increment of '${change.key}' by a non-finite amount.`)
      }
      return ['i', change.key, String(change.by), '']
    case 'append':
      // An empty append changes nothing; skipping it keeps a no-op request write-free.
      if (change.values.length === 0) return []
      return ['a', change.key, encodeJsonValue(change.values, change.key), '']
    default:
      throw new TypeError(`Unknown session change '${(change as { kind?: unknown }).kind}'.`)
  }
}

/**
 * Compiles one request's changes into the `update` script's arguments,
 * checking everything first so a bad change throws a `TypeError` before any
 * request. Resolves to `undefined` when there is nothing to write.
 *
 * @internal
 * @example
 * ```ts
 * compileSessionUpdate({ changes: [{ kind: 'increment', key: 'views', by: 1 }] })?.args
 * // ['1', 'i', 'views', '1', '', '', '', '', '', '']
 * ```
 */
export function compileSessionUpdate(update: SessionUpdate): CompiledSessionUpdate | undefined {
  const changes: string[] = []
  const seen = new Set<string>()
  for (const change of update.changes) {
    checkSessionKey(change.key)
    if (seen.has(change.key)) {
      throw new TypeError(`Session update changes '${change.key}' twice; send one change per key.`)
    }
    seen.add(change.key)
    changes.push(...changeArgs(change))
  }

  const touch = ['', '', '']
  if (update.touch) {
    checkTime(update.touch.lastSeenAt, 'touch.lastSeenAt')
    checkTime(update.touch.expiresAt, 'touch.expiresAt')
    const { lastSeenAt, expiresAt } = update.touch
    touch.splice(0, 3, String(lastSeenAt), String(expiresAt), String(expiryMs(expiresAt)))
  }

  let owner = ['', '']
  if (update.userId === null) owner = ['-', '']
  else if (update.userId !== undefined) {
    if (typeof update.userId !== 'string' || update.userId === '') {
      throw new TypeError('Session userId must be a non-empty string or null.')
    }
    owner = ['+', update.userId]
  }

  if (changes.length === 0 && !update.touch && update.userId === undefined) return undefined
  return {
    args: [String(changes.length / 4), ...changes, ...touch, ...owner],
    newUserId: owner[0] === '+' ? owner[1] : undefined,
  }
}
