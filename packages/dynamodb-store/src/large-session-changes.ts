import type { SessionUpdate } from '@lambda-session/core'
import type { CompiledSessionUpdate } from './session-update-expression.js'

/** A session's data and per-key versions, as one write reads and rewrites them. @internal */
export interface SessionContent {
  data: Record<string, unknown>
  versions: Record<string, number>
}

/** The outcome of applying an update in memory: the new content, or the keys that conflict. @internal */
export type AppliedUpdate = { ok: true; content: SessionContent } | { ok: false; conflictingKeys: string[] }

/** Sets a member as an own data property, so a key named `__proto__` stays a key. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function copy<T>(source: Record<string, T>): Record<string, T> {
  const target: Record<string, T> = {}
  for (const [key, value] of Object.entries(source)) put(target, key, value)
  return target
}

function own(source: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(source, key) ? source[key] : undefined
}

/**
 * Applies one request's changes to a session read whole, with exactly the
 * rules the in-item `UpdateItem` has (see `compileSessionUpdate`): a
 * `set`/`delete` needs its key's version to still be the one the request
 * loaded (0: the key has none), and bumps it; `increment`/`append` never
 * conflict on versions, count a missing key as 0/[] and bump its version;
 * an increment of a non-number or an append to a non-list conflicts, as
 * DynamoDB's type error does. All or nothing: on a conflict nothing applies.
 * `compiled` is the same update compiled, which has checked every key and value.
 *
 * @internal
 * @example
 * ```ts
 * const applied = applySessionUpdate(current, update, compileSessionUpdate(update)!)
 * if (!applied.ok) throw new SessionConflictError(applied.conflictingKeys, options)
 * ```
 */
export function applySessionUpdate(
  current: SessionContent,
  update: SessionUpdate,
  compiled: CompiledSessionUpdate,
): AppliedUpdate {
  const moved = compiled.guards
    .filter(({ key, expectedVersion }) => {
      const version = Object.hasOwn(current.versions, key) ? current.versions[key] : undefined
      return expectedVersion === 0 ? version !== undefined : version !== expectedVersion
    })
    .map((guard) => guard.key)
  if (moved.length > 0) return { ok: false, conflictingKeys: moved }

  const data = copy(current.data)
  const versions = copy(current.versions)
  const typeConflict: AppliedUpdate = {
    ok: false,
    conflictingKeys: [...compiled.guards.map((g) => g.key), ...compiled.atomicKeys],
  }
  for (const change of update.changes) {
    const { key } = change
    // Atomic changes still move the version, so a concurrent `set` that read the old value conflicts.
    const bump = () => put(versions, key, ((own(versions, key) as number | undefined) ?? 0) + 1)
    switch (change.kind) {
      case 'set':
      case 'delete':
        put(versions, key, change.expectedVersion + 1)
        if (change.kind === 'set' && change.value !== undefined) put(data, key, change.value)
        else delete data[key]
        break
      case 'increment': {
        const value = own(data, key) ?? 0
        if (typeof value !== 'number') return typeConflict
        put(data, key, value + change.by)
        bump()
        break
      }
      case 'append': {
        // An empty append changes nothing, as in the item (the compiled update skips it too).
        if (change.values.length === 0) break
        const value = own(data, key) ?? []
        if (!Array.isArray(value)) return typeConflict
        put(data, key, [...value, ...change.values.map((element) => element ?? null)])
        bump()
        break
      }
    }
  }
  return { ok: true, content: { data, versions } }
}
