import type { AttributeValue, CancellationReason, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DYNAMODB_MAX_ITEM_BYTES,
  estimateValueBytes,
  type KeyChange,
  LambdaSessionError,
  SessionConflictError,
  SessionGoneError,
  SessionTooLargeError,
  type SessionUpdate,
  StoreUnavailableError,
} from '@lambda-session/core'
import { isConditionalCheckFailed, isItemSizeMessage, PACKAGE_NAME, toStoreError } from './dynamodb-errors.js'
import { SESSION_ATTRIBUTES } from './session-item.js'
import type { CompiledSessionUpdate } from './session-update-expression.js'

const options = { package: PACKAGE_NAME }

/** What a change writes, for a size estimate. */
function changedValue(change: KeyChange): unknown {
  if (change.kind === 'set') return change.value ?? null
  if (change.kind === 'append') return change.values
  return 0
}

/**
 * Which guarded keys' versions moved since the request loaded them. If none
 * did, the condition failed for another reason (the item was swapped for
 * something else), so every guarded key is reported.
 */
function movedKeys(old: Record<string, AttributeValue>, compiled: CompiledSessionUpdate): string[] {
  const versions = old[SESSION_ATTRIBUTES.versions]?.M ?? {}
  const moved = compiled.guards
    .filter((guard) => Number(versions[guard.key]?.N ?? 0) !== guard.expectedVersion)
    .map((guard) => guard.key)
  if (moved.length > 0) return moved
  const all = compiled.guards.map((guard) => guard.key)
  return all.length > 0 ? all : compiled.atomicKeys
}

/**
 * Maps a failed session `UpdateItem`: a failed condition with no item left
 * is `SessionGoneError`, one with the item present is `SessionConflictError`
 * naming the keys whose versions moved; everything else goes through
 * `toStoreError`.
 *
 * @internal
 * @example
 * ```ts
 * catch (error) { throw updateFailedError(error, compiled, update, 'UserSessions') }
 * ```
 */
export function updateFailedError(
  error: unknown,
  compiled: CompiledSessionUpdate,
  update: SessionUpdate,
  tableName: string,
): LambdaSessionError {
  // The failed write returns the whole old item (ALL_OLD): take it off the SDK
  // error before that error becomes a `cause` that loggers may print.
  const old = isConditionalCheckFailed(error) ? (error as ConditionalCheckFailedException).Item : undefined
  if (old) delete (error as { Item?: unknown }).Item
  const cause = { ...options, cause: error }
  if (isConditionalCheckFailed(error)) {
    // No item: destroyed or regenerated meanwhile. It must not be recreated.
    if (!old) return new SessionGoneError(cause)
    return new SessionConflictError(movedKeys(old, compiled), cause)
  }
  const name = (error as Error | undefined)?.name
  // A concurrent `set` turned a counter or list into another type, or a
  // transaction (a regeneration) holds the item: both are same-session races.
  if (
    name === 'TransactionConflictException' ||
    (name === 'ValidationException' && /incorrect (data|operand) type/i.test((error as Error).message))
  ) {
    return new SessionConflictError([...compiled.guards.map((guard) => guard.key), ...compiled.atomicKeys], cause)
  }
  const estimatedBytes = estimateValueBytes(update.changes.map(changedValue))
  return toStoreError(error, { operation: 'update', tableName, estimatedBytes })
}

/**
 * 409: the new item's key exists already. With 256-bit random ids this only
 * happens when a caller reuses an id, so it is reported, never overwritten.
 *
 * @internal
 * @example
 * ```ts
 * if (isConditionalCheckFailed(error)) throw sessionExistsError(error)
 * ```
 */
export function sessionExistsError(cause: unknown): LambdaSessionError {
  return new LambdaSessionError('A session with this id already exists; nothing was written.', 409, {
    ...options,
    cause,
  })
}

/**
 * Maps a cancelled `replace` transaction. Reason 0 is the Put of the new
 * item, reason 1 the Delete of the old one.
 *
 * @internal
 * @example
 * ```ts
 * catch (error) { throw replaceCancelledError(error, error.CancellationReasons, estimatedBytes) }
 * ```
 */
export function replaceCancelledError(
  error: unknown,
  reasons: CancellationReason[],
  estimatedBytes: number,
): LambdaSessionError {
  const [put, retire] = reasons
  const cause = { ...options, cause: error }
  // The old item is gone (destroyed, or another regeneration won): the session ended.
  if (retire?.Code === 'ConditionalCheckFailed') return new SessionGoneError(cause)
  if (put?.Code === 'ConditionalCheckFailed') return sessionExistsError(error)
  // Only another transaction can conflict with ours, and the only other
  // transaction on a session item is a concurrent regeneration of it.
  if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return new SessionGoneError(cause)
  if (reasons.some((reason) => reason.Code === 'ValidationError' && isItemSizeMessage(reason.Message))) {
    return new SessionTooLargeError(
      Math.max(estimatedBytes, DYNAMODB_MAX_ITEM_BYTES + 1),
      DYNAMODB_MAX_ITEM_BYTES,
      cause,
    )
  }
  if (reasons.some((reason) => /Throttl|ProvisionedThroughput/.test(reason.Code ?? ''))) {
    return new StoreUnavailableError('replace', cause)
  }
  return new LambdaSessionError(
    `DynamoDB cancelled the session regeneration (${reasons.map((reason) => reason.Code).join(', ')}).`,
    500,
    cause,
  )
}
