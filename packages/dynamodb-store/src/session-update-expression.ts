import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { type KeyChange, LambdaSessionError, type SessionUpdate } from '@lambda-session/core'
import { PACKAGE_NAME } from './dynamodb-errors.js'
import { checkKey, SESSION_ATTRIBUTES, toAttributeValue, ttlSeconds } from './session-item.js'
import { MAX_VALUE_NESTING } from './session-value-attributes.js'

/** DynamoDB's limit on each expression string (placeholders are ASCII, so characters are bytes). */
const MAX_EXPRESSION_BYTES = 4096

/** A `set`/`delete` change's version guard, kept to name the conflicting keys after a failed write. @internal */
export interface VersionGuard {
  /** The session key. */
  key: string
  /** The version the request loaded (0: the key never existed). */
  expectedVersion: number
}

/** The parts of one `UpdateItem` call that apply a {@link SessionUpdate}. @internal */
export interface CompiledSessionUpdate {
  /** `SET … REMOVE …`. */
  UpdateExpression: string
  /** `attribute_exists(pk)` plus one version guard per `set`/`delete`. */
  ConditionExpression: string
  /** Placeholders for every attribute name and every session key. */
  ExpressionAttributeNames: Record<string, string>
  /** Placeholder values; `undefined` when the expression needs none (DynamoDB rejects an empty map). */
  ExpressionAttributeValues: Record<string, AttributeValue> | undefined
  /** Version guards of the `set`/`delete` changes. */
  guards: VersionGuard[]
  /** Keys changed by `increment`/`append`. */
  atomicKeys: string[]
}

function checkVersion(change: KeyChange & { expectedVersion: number }): void {
  if (!Number.isSafeInteger(change.expectedVersion) || change.expectedVersion < 0) {
    throw new TypeError(`Session update of '${change.key}': expectedVersion must be a non-negative integer.`)
  }
}

/**
 * Compiles one request's changes into a single conditional `UpdateItem`.
 * Every session key travels as an expression attribute name placeholder
 * (`#k0`, `#k1`…), so no key is ever spliced into the expression text, and
 * placeholders stay short because an expression may be at most 4 KB.
 * Resolves to `undefined` when there is nothing to write.
 *
 * @internal
 * @example
 * ```ts
 * const compiled = compileSessionUpdate({ changes: [{ kind: 'increment', key: 'views', by: 1 }] })
 * // compiled.UpdateExpression === 'SET #d.#k0 = if_not_exists(#d.#k0, :zero) + :b0, #v.#k0 = if_not_exists(#v.#k0, :zero) + :one'
 * ```
 */
export function compileSessionUpdate(update: SessionUpdate): CompiledSessionUpdate | undefined {
  const names: Record<string, string> = { '#pk': SESSION_ATTRIBUTES.id }
  const values: Record<string, AttributeValue> = {}
  const sets: string[] = []
  const removes: string[] = []
  const conditions = ['attribute_exists(#pk)']
  const guards: VersionGuard[] = []
  const atomicKeys: string[] = []
  const seen = new Set<string>()

  update.changes.forEach((change, index) => {
    checkKey(change.key)
    if (seen.has(change.key))
      throw new TypeError(`Session update changes '${change.key}' twice; send one change per key.`)
    seen.add(change.key)
    // An empty append changes nothing; skipping it keeps a no-op request write-free.
    if (change.kind === 'append' && change.values.length === 0) return

    const key = `#k${index}`
    names[key] = change.key
    names['#d'] = SESSION_ATTRIBUTES.data
    names['#v'] = SESSION_ATTRIBUTES.versions
    const dataPath = `#d.${key}`
    const versionPath = `#v.${key}`

    switch (change.kind) {
      case 'set':
      case 'delete': {
        checkVersion(change)
        if (change.kind === 'set' && change.value !== undefined) {
          values[`:v${index}`] = toAttributeValue(change.value, change.key)
          sets.push(`${dataPath} = :v${index}`)
        } else {
          removes.push(dataPath)
        }
        // The version is bumped on delete too: it stays as a tombstone, so a
        // request that loaded the key before the delete can't quietly restore it.
        values[`:n${index}`] = { N: String(change.expectedVersion + 1) }
        sets.push(`${versionPath} = :n${index}`)
        if (change.expectedVersion === 0) {
          conditions.push(`attribute_not_exists(${versionPath})`)
        } else {
          values[`:e${index}`] = { N: String(change.expectedVersion) }
          conditions.push(`${versionPath} = :e${index}`)
        }
        guards.push({ key: change.key, expectedVersion: change.expectedVersion })
        break
      }
      case 'increment': {
        if (!Number.isFinite(change.by))
          throw new TypeError(`Session increment of '${change.key}' by a non-finite amount.`)
        values[':zero'] = { N: '0' }
        values[`:b${index}`] = { N: String(change.by) }
        sets.push(`${dataPath} = if_not_exists(${dataPath}, :zero) + :b${index}`)
        atomicKeys.push(change.key)
        break
      }
      case 'append': {
        values[':empty'] = { L: [] }
        // An appended element lands inside the key's list, one level below the key: it may nest one level less.
        values[`:a${index}`] = {
          L: change.values.map((value) => toAttributeValue(value ?? null, change.key, MAX_VALUE_NESTING - 1)),
        }
        sets.push(`${dataPath} = list_append(if_not_exists(${dataPath}, :empty), :a${index})`)
        atomicKeys.push(change.key)
        break
      }
    }
    if (change.kind === 'increment' || change.kind === 'append') {
      // Atomic changes never conflict, but they still move the version, so a
      // concurrent `set` of the same key (which read the old value) conflicts
      // instead of overwriting the increment or append.
      values[':zero'] = { N: '0' }
      values[':one'] = { N: '1' }
      sets.push(`${versionPath} = if_not_exists(${versionPath}, :zero) + :one`)
    }
  })

  if (update.touch) {
    names['#ls'] = SESSION_ATTRIBUTES.lastSeenAt
    names['#ex'] = SESSION_ATTRIBUTES.expiresAt
    names['#ttl'] = SESSION_ATTRIBUTES.ttl
    values[':ls'] = { N: String(update.touch.lastSeenAt) }
    values[':ex'] = { N: String(update.touch.expiresAt) }
    values[':ttl'] = { N: String(ttlSeconds(update.touch.expiresAt)) }
    sets.push('#ls = :ls', '#ex = :ex', '#ttl = :ttl')
  }

  if (update.userId !== undefined) {
    names['#u'] = SESSION_ATTRIBUTES.userId
    if (update.userId === null) {
      removes.push('#u')
    } else {
      // An empty string can't be a GSI key; DynamoDB would reject the whole write.
      if (update.userId === '') throw new TypeError('Session userId must be a non-empty string or null.')
      values[':u'] = { S: update.userId }
      sets.push('#u = :u')
    }
  }

  if (sets.length === 0 && removes.length === 0) return undefined
  const clauses: string[] = []
  if (sets.length > 0) clauses.push(`SET ${sets.join(', ')}`)
  if (removes.length > 0) clauses.push(`REMOVE ${removes.join(', ')}`)
  const updateExpression = clauses.join(' ')
  const conditionExpression = conditions.join(' AND ')
  if (Math.max(updateExpression.length, conditionExpression.length) > MAX_EXPRESSION_BYTES) {
    // Splitting would lose the all-or-nothing write, so refuse clearly instead of a bare ValidationException.
    throw new LambdaSessionError(
      `This request changes ${update.changes.length} session keys at once, more than one DynamoDB update can hold ` +
        '(about 40 increments/appends or 100 sets/deletes); change fewer keys per request or group them under one key.',
      500,
      { package: PACKAGE_NAME },
    )
  }
  return {
    UpdateExpression: updateExpression,
    ConditionExpression: conditionExpression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
    guards,
    atomicKeys,
  }
}
