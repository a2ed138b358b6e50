import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { DYNAMODB_MAX_ITEM_BYTES, type SessionRecord, SessionTooLargeError } from '@lambda-session/core'
import { PACKAGE_NAME } from './dynamodb-errors.js'
import { estimateSessionItemBytes, SESSION_ATTRIBUTES, sessionKey } from './session-item.js'
import type { CompiledSessionUpdate } from './session-update-expression.js'

const pkName = { '#pk': SESSION_ATTRIBUTES.id }

/**
 * Refuses a record whose item would pass DynamoDB's 400 KB before anything
 * is sent (a 413 `SessionTooLargeError`); returns the estimate.
 *
 * @internal
 * @example
 * ```ts
 * const estimatedBytes = checkSessionItemSize(record)
 * ```
 */
export function checkSessionItemSize(record: SessionRecord): number {
  const estimatedBytes = estimateSessionItemBytes(record)
  if (estimatedBytes > DYNAMODB_MAX_ITEM_BYTES) {
    throw new SessionTooLargeError(estimatedBytes, DYNAMODB_MAX_ITEM_BYTES, { package: PACKAGE_NAME })
  }
  return estimatedBytes
}

/**
 * The write of a new session item that never overwrites an existing one:
 * the input of a `PutItem`, or the `Put` of a transaction.
 *
 * @internal
 * @example
 * ```ts
 * await client.send(new PutItemCommand(putNewSessionItem('UserSessions', toSessionItem(record))))
 * ```
 */
export function putNewSessionItem(tableName: string, item: Record<string, AttributeValue>) {
  return {
    TableName: tableName,
    Item: item,
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: pkName,
  }
}

/**
 * The delete of a session item that must still exist (the old id of a
 * regeneration): the `Delete` of a transaction.
 *
 * @internal
 * @example
 * ```ts
 * TransactItems: [{ Put: putNewSessionItem(table, item) }, { Delete: retireSessionItem(table, oldIdHash) }]
 * ```
 */
export function retireSessionItem(tableName: string, idHash: string) {
  return {
    TableName: tableName,
    Key: sessionKey(idHash),
    ConditionExpression: 'attribute_exists(#pk)',
    ExpressionAttributeNames: pkName,
  }
}

/**
 * A compiled session update on one item, returning the old item when its
 * condition fails (to name the conflicting keys): the input of an
 * `UpdateItem`, or the `Update` of a transaction.
 *
 * @internal
 * @example
 * ```ts
 * await client.send(new UpdateItemCommand(updateSessionItem('UserSessions', idHash, compiled)))
 * ```
 */
export function updateSessionItem(tableName: string, idHash: string, compiled: CompiledSessionUpdate) {
  return {
    TableName: tableName,
    Key: sessionKey(idHash),
    UpdateExpression: compiled.UpdateExpression,
    ConditionExpression: compiled.ConditionExpression,
    ExpressionAttributeNames: compiled.ExpressionAttributeNames,
    ExpressionAttributeValues: compiled.ExpressionAttributeValues,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  }
}
