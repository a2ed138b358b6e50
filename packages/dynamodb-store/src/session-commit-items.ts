import type { CancellationReason, DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb'
import type { LambdaSessionError, SessionRecord, SessionWrite } from '@lambda-session/core'
import { sessionKey, toSessionItem } from './session-item.js'
import { compileSessionUpdate } from './session-update-expression.js'
import { replaceCancelledError, sessionExistsError, updateFailedError } from './session-write-errors.js'
import {
  checkSessionItemSize,
  putNewSessionItem,
  retireSessionItem,
  updateSessionItem,
} from './session-write-inputs.js'

/**
 * A session write as members of a `TransactWriteItems` call, so it can be
 * committed together with an idempotency record's completion, and the way
 * to read the members' cancellation reasons back as the store's errors.
 *
 * @internal
 */
export interface SessionCommitItems {
  /** The client the session store sends with: a transaction only joins writes sent by one client. */
  client: DynamoDBClient
  /** The members, the same writes and conditions as the store's own methods (none when nothing is to be written). */
  items: TransactWriteItem[]
  /**
   * The store's error for a cancelled transaction, given the reasons of
   * `items` (in order); `undefined` when none of them caused the cancellation.
   */
  cancelled(error: unknown, reasons: CancellationReason[]): LambdaSessionError | undefined
}

function failed(reason: CancellationReason | undefined): boolean {
  return reason?.Code !== undefined && reason.Code !== 'None'
}

/** The `Put` of a new session item that never overwrites one, after checking its size. */
function putNewItem(tableName: string, record: SessionRecord): { put: TransactWriteItem; estimatedBytes: number } {
  const estimatedBytes = checkSessionItemSize(record)
  return { put: { Put: putNewSessionItem(tableName, toSessionItem(record)) }, estimatedBytes }
}

/**
 * The transaction members for one session write on `tableName`, with the
 * same conditions `DynamoDBSessionStore`'s methods use: a create never
 * overwrites, an update needs the item and its keys' versions, a
 * replacement retires the old item only if it still exists.
 *
 * @internal
 * @example
 * ```ts
 * const part = sessionCommitItems(client, 'UserSessions', { kind: 'destroy', idHash })
 * ```
 */
export function sessionCommitItems(client: DynamoDBClient, tableName: string, write: SessionWrite): SessionCommitItems {
  switch (write.kind) {
    case 'create': {
      const { put } = putNewItem(tableName, write.record)
      return {
        client,
        items: [put],
        cancelled: (error, [reason]) => (failed(reason) ? sessionExistsError(error) : undefined),
      }
    }
    case 'update': {
      const compiled = compileSessionUpdate(write.update)
      if (!compiled) return { client, items: [], cancelled: () => undefined }
      return {
        client,
        items: [{ Update: updateSessionItem(tableName, write.idHash, compiled) }],
        cancelled(error, [reason]) {
          if (!failed(reason)) return undefined
          // Read the member's reason the way `update` reads its own refusal,
          // so conflicts name the same keys and a missing item is "gone".
          const name =
            reason?.Code === 'ConditionalCheckFailed'
              ? 'ConditionalCheckFailedException'
              : reason?.Code === 'TransactionConflict'
                ? 'TransactionConflictException'
                : 'ValidationException'
          const shaped = Object.assign(new Error(reason?.Message ?? String(reason?.Code)), {
            name,
            Item: reason?.Item,
            cause: error,
          })
          return updateFailedError(shaped, compiled, write.update, tableName)
        },
      }
    }
    case 'replace': {
      const { put, estimatedBytes } = putNewItem(tableName, write.record)
      return {
        client,
        items: [put, { Delete: retireSessionItem(tableName, write.oldIdHash) }],
        cancelled: (error, reasons) =>
          reasons.some(failed) ? replaceCancelledError(error, reasons, estimatedBytes) : undefined,
      }
    }
    case 'destroy':
      // Unconditional, like `destroy`: deleting a missing session is fine.
      return {
        client,
        items: [{ Delete: { TableName: tableName, Key: sessionKey(write.idHash) } }],
        cancelled: () => undefined,
      }
  }
}
