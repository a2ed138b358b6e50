import {
  type AttributeValue,
  type CancellationReason,
  type ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import {
  type Logger,
  SessionConflictError,
  SessionGoneError,
  type SessionRecord,
  type SessionUpdate,
} from '@lambda-session/core'
import { isConditionalCheckFailed, isItemSizeMessage, PACKAGE_NAME, toStoreError } from './dynamodb-errors.js'
import { applySessionUpdate } from './large-session-changes.js'
import { OperationDeadline } from './large-session-deadline.js'
import {
  failedOnSizeGuard,
  LARGE_SESSION_ATTRIBUTES,
  parseOverflowedItem,
  pointerAttribute,
  readPointer,
  updateGrowthBytes,
  withSizeGuard,
} from './large-session-item.js'
import { type SessionObjectPointer, SessionObjects } from './large-session-objects.js'
import { type LargeSessionOptions, resolveLargeSessionOptions } from './large-session-options.js'
import { sendWithinBudget } from './send-within-budget.js'
import {
  estimateSessionItemBytes,
  parseSessionItem,
  SESSION_ATTRIBUTES,
  sessionKey,
  toSessionItem,
} from './session-item.js'
import { type CompiledSessionUpdate, compileSessionUpdate } from './session-update-expression.js'
import { replaceCancelledError, sessionExistsError, updateFailedError } from './session-write-errors.js'
import { putNewSessionItem, updateSessionItem } from './session-write-inputs.js'
import type { StoreCallBudget } from './store-call-budget.js'

/** What the session store shares with its large-session half. @internal */
export interface LargeSessionStoreContext {
  client: DynamoDBClient
  tableName: string
  budget: StoreCallBudget
  logger: Logger
}

type Item = Record<string, AttributeValue>

/** A session read whole for a rewrite: the record, and where its data was. */
interface WholeSession {
  record: SessionRecord
  /** The object the data was in; `undefined` when it was in the item. */
  pointer: SessionObjectPointer | undefined
  /**
   * The item's per-key versions as stored. Every data write moves at least
   * one, so an inline rewrite is conditioned on them being unchanged.
   */
  versions: AttributeValue
}

const errorOptions = { package: PACKAGE_NAME }
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)))

/** Takes the old item off a failed conditional write, before the error becomes a `cause` loggers may print. */
function takeOldItem(error: unknown): Item | undefined {
  const item = (error as Partial<ConditionalCheckFailedException>).Item
  if (item) delete (error as { Item?: unknown }).Item
  return item
}

function isTransactionConflict(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'TransactionConflictException'
}

function isItemTooLarge(error: unknown): boolean {
  const shape = error as Partial<Error> | undefined
  return shape?.name === 'ValidationException' && isItemSizeMessage(shape.message)
}

/**
 * `DynamoDBSessionStore` with `largeSessions`: sessions whose item stays
 * under the threshold are read and written exactly as without it (one
 * `GetItem`, one diff `UpdateItem`, which now also keeps a size bound);
 * larger ones keep their data in one S3 object the item points to. Writes
 * to those read the session whole, apply the changes in memory with the
 * in-item rules, write a new object and swap the item's pointer on the
 * condition that nobody else wrote in between, trying again on a lost race
 * within the store's deadline; the replaced object is deleted afterwards.
 *
 * @internal
 */
export class LargeSessionStore {
  readonly #client: DynamoDBClient
  readonly #tableName: string
  readonly #budget: StoreCallBudget
  readonly #logger: Logger
  readonly #objects: SessionObjects
  readonly #thresholdBytes: number

  constructor(context: LargeSessionStoreContext, options: LargeSessionOptions) {
    const resolved = resolveLargeSessionOptions(options)
    this.#client = context.client
    this.#tableName = context.tableName
    this.#budget = context.budget
    this.#logger = context.logger
    this.#thresholdBytes = resolved.thresholdBytes
    this.#objects = new SessionObjects(resolved, context.tableName, context.logger)
  }

  /** One DynamoDB request within what is left of the operation's deadline. */
  #send<T>(deadline: OperationDeadline, idempotent: boolean, attempt: (abortSignal: AbortSignal) => Promise<T>) {
    const call = { operation: deadline.operation, tableName: this.#tableName, idempotent }
    return sendWithinBudget(attempt, call, deadline.budget(), this.#logger)
  }

  async #getItem(idHash: string, deadline: OperationDeadline): Promise<Item | undefined> {
    const command = new GetItemCommand({ TableName: this.#tableName, Key: sessionKey(idHash), ConsistentRead: true })
    try {
      const output = await this.#send(deadline, true, (abortSignal) => this.#client.send(command, { abortSignal }))
      return output.Item
    } catch (error) {
      throw toStoreError(error, { operation: deadline.operation, tableName: this.#tableName })
    }
  }

  #warnUnreadable(reason: string): void {
    // A bad item or object reads as "no session": the request gets a fresh one.
    this.#logger.warn('lambda-session: ignoring a malformed session item', { table: this.#tableName, reason })
  }

  /** Read twice through the same pointer: the object really is gone (deleted by hand, or by a lifecycle rule too short). */
  #warnMissingObject(): void {
    this.#logger.warn('lambda-session: ignoring a session whose S3 object is missing', {
      table: this.#tableName,
      bucket: this.#objects.bucket,
    })
  }

  /**
   * Reads a session whole: from the item, or from the item and its object.
   * `'reread'` when the object was gone (a writer may have replaced it since
   * the item was read), `undefined` when the session can't be read.
   */
  async #readWhole(
    item: Item,
    idHash: string,
    deadline: OperationDeadline,
  ): Promise<WholeSession | 'reread' | undefined> {
    const pointer = readPointer(item)
    if (pointer === undefined) {
      const parsed = parseSessionItem(item, idHash)
      if (parsed.ok)
        return { record: parsed.record, pointer, versions: item[SESSION_ATTRIBUTES.versions] as AttributeValue }
      this.#warnUnreadable(parsed.reason)
      return undefined
    }
    if (pointer === 'malformed') {
      this.#warnUnreadable(`'${LARGE_SESSION_ATTRIBUTES.object}' is not an object pointer`)
      return undefined
    }
    const parsed = parseOverflowedItem(item, idHash)
    if (!parsed.ok) {
      this.#warnUnreadable(parsed.reason)
      return undefined
    }
    const read = await this.#objects.get(pointer, deadline)
    if (read.found) {
      const versions = item[SESSION_ATTRIBUTES.versions] as AttributeValue
      return { record: { ...parsed.record, data: read.data }, pointer, versions }
    }
    if (read.reason === 'missing') return 'reread'
    this.#warnUnreadable(read.detail)
    return undefined
  }

  /**
   * Reads the item and, for a session whose data is in S3, its object: one
   * `GetItem`, plus one `GetObject` only above the threshold.
   */
  async load(idHash: string): Promise<SessionRecord | undefined> {
    const deadline = new OperationDeadline('load', this.#budget)
    let missingKey: string | undefined
    for (;;) {
      const item = await this.#getItem(idHash, deadline)
      if (!item) return undefined
      const whole = await this.#readWhole(item, idHash, deadline)
      if (whole !== 'reread') return whole?.record
      const pointer = readPointer(item) as SessionObjectPointer
      if (pointer.key === missingKey) {
        this.#warnMissingObject()
        return undefined
      }
      // A writer may have replaced (and deleted) the object since the item was read: read the item again.
      missingKey = pointer.key
    }
  }

  /** Writes the object first when the record is over the threshold, then one conditional `PutItem`. */
  async create(record: SessionRecord): Promise<void> {
    const deadline = new OperationDeadline('create', this.#budget)
    const { item, pointer, estimatedBytes } = await this.#newItem(record, deadline)
    try {
      const command = new PutItemCommand(putNewSessionItem(this.#tableName, item))
      // Not repeated after an unclear failure: a create that landed would then fail as a conflict with itself.
      await this.#send(deadline, false, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      if (pointer) await this.#objects.discard(pointer.key, deadline)
      if (isConditionalCheckFailed(error)) throw sessionExistsError(error)
      throw toStoreError(error, { operation: 'create', tableName: this.#tableName, estimatedBytes })
    }
  }

  /** The item for a new record: the data inline, or in a new object (written here) when over the threshold. */
  async #newItem(record: SessionRecord, deadline: OperationDeadline) {
    const estimatedBytes = estimateSessionItemBytes(record)
    // Built before any request: values DynamoDB can't hold fail here, wherever the data goes.
    const base = toSessionItem(record)
    const size = { [LARGE_SESSION_ATTRIBUTES.size]: { N: String(estimatedBytes) } }
    if (estimatedBytes <= this.#thresholdBytes)
      return { item: { ...base, ...size }, pointer: undefined, estimatedBytes }
    const pointer = await this.#objects.put(record.idHash, record.data, deadline)
    const { [SESSION_ATTRIBUTES.data]: _inS3, ...metadata } = base
    const item = { ...metadata, ...size, [LARGE_SESSION_ATTRIBUTES.object]: pointerAttribute(pointer) }
    return { item, pointer, estimatedBytes }
  }

  /**
   * Under the threshold, the one conditional diff `UpdateItem`, guarded to
   * apply only while the data is in the item and stays under the threshold.
   * Otherwise (the guard refused, or DynamoDB found the item too large) a
   * whole rewrite, see {@link LargeSessionStore.#rewrite}.
   */
  async update(idHash: string, update: SessionUpdate): Promise<void> {
    const compiled = compileSessionUpdate(update)
    if (!compiled) return
    const deadline = new OperationDeadline('update', this.#budget)
    // A touch or an owner change alone never touches the data: one UpdateItem wherever the data is.
    if (compiled.guards.length === 0 && compiled.atomicKeys.length === 0) {
      return this.#updateItem(idHash, compiled, update, deadline)
    }
    const growthBytes = updateGrowthBytes(update.changes)
    let old: Item | undefined
    if (growthBytes <= this.#thresholdBytes) {
      try {
        return await this.#updateItem(
          idHash,
          withSizeGuard(compiled, growthBytes, this.#thresholdBytes),
          update,
          deadline,
        )
      } catch (error) {
        if (!(error instanceof RerouteError)) throw error
        old = error.old
      }
    }
    await this.#rewrite(idHash, update, compiled, old, deadline)
  }

  async #updateItem(
    idHash: string,
    compiled: CompiledSessionUpdate,
    update: SessionUpdate,
    deadline: OperationDeadline,
  ): Promise<void> {
    try {
      const command = new UpdateItemCommand(updateSessionItem(this.#tableName, idHash, compiled))
      // Not repeated after an unclear failure: an increment or append that landed would count twice.
      await this.#send(deadline, false, (abortSignal) => this.#client.send(command, { abortSignal }))
    } catch (error) {
      const old = isConditionalCheckFailed(error) ? (error as ConditionalCheckFailedException).Item : undefined
      const growthBytes = updateGrowthBytes(update.changes)
      const guarded = compiled.ConditionExpression.includes('#sz')
      if (guarded && old && failedOnSizeGuard(old, growthBytes, this.#thresholdBytes)) {
        throw new RerouteError(takeOldItem(error))
      }
      if (guarded && isItemTooLarge(error)) throw new RerouteError(undefined)
      const failure = updateFailedError(error, compiled, update, this.#tableName)
      if (failure instanceof SessionConflictError) this.#logConflict(failure)
      throw failure
    }
  }

  #logConflict(failure: SessionConflictError): void {
    this.#logger.debug('lambda-session: session update conflicted', {
      table: this.#tableName,
      keys: failure.keys.length,
    })
  }

  /**
   * Rewrites a session whole: reads it (item, and object if any), applies
   * the update in memory, writes the data to a new object (or back into the
   * item when it fits in half the threshold, or stays there when it never
   * left and still fits) and swaps the item on the condition that its
   * pointer (or, inline, its versions, which every data write moves) are
   * still the ones read. A lost race starts over from the item DynamoDB
   * returns with the refusal, after a jittered back-off, until the deadline.
   */
  async #rewrite(
    idHash: string,
    update: SessionUpdate,
    compiled: CompiledSessionUpdate,
    known: Item | undefined,
    deadline: OperationDeadline,
  ): Promise<void> {
    const discards: Promise<void>[] = []
    let item = known
    let missingKey: string | undefined
    try {
      for (let retry = 0; ; retry++) {
        item ??= await this.#getItem(idHash, deadline)
        if (!item) throw new SessionGoneError(errorOptions)
        const whole = await this.#readWhole(item, idHash, deadline)
        if (whole === 'reread') {
          const { key } = readPointer(item) as SessionObjectPointer
          if (key === missingKey) this.#warnMissingObject()
          else {
            // A writer may have replaced (and deleted) the object since the item was read: read the item again.
            missingKey = key
            item = undefined
            continue
          }
        }
        // An unreadable session is "no session" to the loader: a write to it can't continue it either.
        if (whole === undefined || whole === 'reread') throw new SessionGoneError(errorOptions)

        const applied = applySessionUpdate(whole.record, update, compiled)
        if (!applied.ok) {
          const conflict = new SessionConflictError(applied.conflictingKeys, errorOptions)
          this.#logConflict(conflict)
          throw conflict
        }
        const next: SessionRecord = { ...whole.record, ...applied.content }
        if (update.touch) Object.assign(next, update.touch)
        if (update.userId === null) delete next.userId
        else if (update.userId !== undefined) next.userId = update.userId

        const outcome = await this.#swap(idHash, whole, next, update, deadline)
        if (outcome.newPointer && !outcome.ok) discards.push(this.#objects.discard(outcome.newPointer.key, deadline))
        if (outcome.ok) {
          if (whole.pointer) discards.push(this.#objects.discard(whole.pointer.key, deadline))
          return
        }
        // Lost the race: another write landed in between. Start again from what it wrote.
        item = outcome.current
        if (outcome.gone) throw new SessionGoneError({ ...errorOptions, cause: outcome.cause })
        this.#logger.debug('lambda-session: large session rewrite lost a race; trying again', {
          table: this.#tableName,
          attempt: retry + 1,
        })
        await sleep(Math.min(deadline.backoffMs(retry), deadline.remainingMs()))
      }
    } finally {
      await Promise.all(discards)
    }
  }

  /** One conditional swap of a rewritten session; says whether it landed, and what refused it. */
  async #swap(
    idHash: string,
    whole: WholeSession,
    next: SessionRecord,
    update: SessionUpdate,
    deadline: OperationDeadline,
  ): Promise<{ ok: boolean; newPointer?: SessionObjectPointer; current?: Item; gone?: boolean; cause?: unknown }> {
    const sizeBytes = estimateSessionItemBytes(next)
    const toS3 =
      sizeBytes > this.#thresholdBytes || (whole.pointer !== undefined && sizeBytes > this.#thresholdBytes / 2)
    // Built before any request: values DynamoDB can't hold fail here, wherever the data goes.
    const base = toSessionItem(next)
    const newPointer = toS3 ? await this.#objects.put(idHash, next.data, deadline) : undefined

    const names: Record<string, string> = {
      '#d': SESSION_ATTRIBUTES.data,
      '#v': SESSION_ATTRIBUTES.versions,
      '#sz': LARGE_SESSION_ATTRIBUTES.size,
      '#s3': LARGE_SESSION_ATTRIBUTES.object,
    }
    const values: Record<string, AttributeValue> = {
      ':v': base[SESSION_ATTRIBUTES.versions] as AttributeValue,
      ':sz': { N: String(sizeBytes) },
    }
    const sets = ['#v = :v', '#sz = :sz']
    const removes: string[] = []
    if (newPointer) {
      values[':s3'] = pointerAttribute(newPointer)
      sets.push('#s3 = :s3')
      removes.push('#d')
    } else {
      values[':d'] = base[SESSION_ATTRIBUTES.data] as AttributeValue
      sets.push('#d = :d')
      removes.push('#s3')
    }
    // Only what this request changed: a concurrent touch or owner change must not be rolled back.
    if (update.touch) {
      for (const name of ['lastSeenAt', 'expiresAt', 'ttl'] as const) {
        names[`#${name}`] = SESSION_ATTRIBUTES[name]
        values[`:${name}`] = base[SESSION_ATTRIBUTES[name]] as AttributeValue
        sets.push(`#${name} = :${name}`)
      }
    }
    if (update.userId !== undefined) {
      names['#u'] = SESSION_ATTRIBUTES.userId
      if (next.userId === undefined) removes.push('#u')
      else {
        values[':u'] = { S: next.userId }
        sets.push('#u = :u')
      }
    }
    let condition: string
    if (whole.pointer) {
      names['#k'] = 'k'
      values[':oldKey'] = { S: whole.pointer.key }
      condition = '#s3.#k = :oldKey'
    } else {
      // Every data write moves a version, and ids are never reused: equal versions mean nobody wrote since the read.
      names['#pk'] = SESSION_ATTRIBUTES.id
      values[':oldVer'] = whole.versions
      condition = 'attribute_exists(#pk) AND attribute_not_exists(#s3) AND #v = :oldVer'
    }

    try {
      const command = new UpdateItemCommand({
        TableName: this.#tableName,
        Key: sessionKey(idHash),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })
      await this.#send(deadline, false, (abortSignal) => this.#client.send(command, { abortSignal }))
      return { ok: true, newPointer }
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        const current = takeOldItem(error)
        return { ok: false, newPointer, current, gone: current === undefined, cause: error }
      }
      // A regeneration's transaction holds the item: read it again (it is most likely gone).
      if (isTransactionConflict(error)) return { ok: false, newPointer }
      if (newPointer) await this.#objects.discard(newPointer.key, deadline)
      throw toStoreError(error, { operation: 'update', tableName: this.#tableName, estimatedBytes: sizeBytes })
    }
  }

  /**
   * One `TransactWriteItems`, as without large sessions, whose delete of the
   * old item also requires its data to be inline; when it is in S3, the
   * refusal names the object and the transaction is sent again conditioned
   * on it, so the old object can be deleted once the old item is.
   */
  async replace(oldIdHash: string, record: SessionRecord): Promise<void> {
    if (oldIdHash === record.idHash) throw new TypeError('replace() needs a new id hash; the old one is retired.')
    const deadline = new OperationDeadline('replace', this.#budget)
    const { item, pointer, estimatedBytes } = await this.#newItem(record, deadline)
    let oldKey: string | undefined
    try {
      for (;;) {
        const retire: { ConditionExpression: string; values?: Record<string, AttributeValue> } =
          oldKey === undefined
            ? { ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#s3)' }
            : { ConditionExpression: '#s3.#k = :oldKey', values: { ':oldKey': { S: oldKey } } }
        const command = new TransactWriteItemsCommand({
          TransactItems: [
            { Put: putNewSessionItem(this.#tableName, item) },
            {
              Delete: {
                TableName: this.#tableName,
                Key: sessionKey(oldIdHash),
                ConditionExpression: retire.ConditionExpression,
                ExpressionAttributeNames:
                  oldKey === undefined
                    ? { '#pk': SESSION_ATTRIBUTES.id, '#s3': LARGE_SESSION_ATTRIBUTES.object }
                    : { '#s3': LARGE_SESSION_ATTRIBUTES.object, '#k': 'k' },
                ExpressionAttributeValues: retire.values,
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        })
        try {
          await this.#send(deadline, false, (abortSignal) => this.#client.send(command, { abortSignal }))
          break
        } catch (error) {
          const reasons = (error as Partial<TransactionCanceledException>).CancellationReasons
          if ((error as Error)?.name !== 'TransactionCanceledException' || !reasons) {
            throw toStoreError(error, { operation: 'replace', tableName: this.#tableName, estimatedBytes })
          }
          const old = this.#takeReasonItems(reasons)
          const [put, retired] = reasons
          const retiredOnlyByCondition = retired?.Code === 'ConditionalCheckFailed' && put?.Code === 'None'
          if (retiredOnlyByCondition && old) {
            const oldPointer = readPointer(old)
            const nextKey = oldPointer === undefined || oldPointer === 'malformed' ? undefined : oldPointer.key
            // The old session's data moved (into S3, to another object, or back): retire it where it is now.
            if (nextKey !== oldKey && oldPointer !== 'malformed') {
              oldKey = nextKey
              continue
            }
          }
          throw replaceCancelledError(error, reasons, estimatedBytes)
        }
      }
    } catch (error) {
      if (pointer) await this.#objects.discard(pointer.key, deadline)
      throw error
    }
    if (oldKey !== undefined) await this.#objects.discard(oldKey, deadline)
  }

  /** The old item returned with the retire's refusal, taken off the reasons (they end up in a `cause`). */
  #takeReasonItems(reasons: CancellationReason[]): Item | undefined {
    const old = reasons[1]?.Item
    for (const reason of reasons) delete reason.Item
    return old
  }

  /**
   * One `DeleteItem`, conditioned on the data being inline; when it is in S3
   * the refusal names the object, the delete is sent again on that
   * condition, and the object is deleted after the item.
   */
  async destroy(idHash: string): Promise<void> {
    const deadline = new OperationDeadline('destroy', this.#budget)
    // undefined: the data is expected inline; a string: in that object; null: anywhere (an unreadable pointer).
    let key: string | null | undefined
    for (;;) {
      const names: Record<string, string> = { '#s3': LARGE_SESSION_ATTRIBUTES.object }
      let condition: string | undefined = 'attribute_not_exists(#s3)'
      let values: Record<string, AttributeValue> | undefined
      if (typeof key === 'string') {
        names['#k'] = 'k'
        values = { ':oldKey': { S: key } }
        condition = '#s3.#k = :oldKey'
      } else if (key === null) {
        condition = undefined
      }
      const command = new DeleteItemCommand({
        TableName: this.#tableName,
        Key: sessionKey(idHash),
        ConditionExpression: condition,
        ExpressionAttributeNames: condition ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })
      try {
        // Safe to repeat: a delete that landed leaves nothing for the repeat's condition to find.
        await this.#send(deadline, true, (abortSignal) => this.#client.send(command, { abortSignal }))
        break
      } catch (error) {
        if (!isConditionalCheckFailed(error)) {
          throw toStoreError(error, { operation: 'destroy', tableName: this.#tableName })
        }
        const old = takeOldItem(error)
        if (!old) return // deleted meanwhile: deleting a missing session is fine
        const pointer = readPointer(old)
        key = pointer === 'malformed' ? null : pointer?.key
      }
    }
    if (typeof key === 'string') await this.#objects.discard(key, deadline)
  }
}

/** Internal signal: the in-item update can't apply; rewrite the session whole (from `old` when known). */
class RerouteError extends Error {
  readonly old: Item | undefined
  constructor(old: Item | undefined) {
    super('reroute to a whole rewrite')
    this.old = old
  }
}
