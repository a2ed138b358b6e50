import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency'
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence'

type RecordStatus = ReturnType<IdempotencyRecord['getStatus']>

/** What one key holds: the attributes Powertools' DynamoDB layer writes to its item. */
interface StoredItem {
  status: RecordStatus
  /** Seconds since the epoch, as Powertools writes it. */
  expiryTimestamp: number | undefined
  /** Milliseconds since the epoch: Powertools mixes both units. */
  inProgressExpiryTimestamp: number | undefined
  payloadHash: string | undefined
  /** The handler's result as JSON text, or undefined before it completed. */
  responseJson: string | undefined
}

/**
 * A Powertools persistence layer in a `Map`, for measuring what
 * `makeHandlerIdempotent` costs without a database, side by side with
 * `idempotencyGuard` on `InMemoryIdempotencyStore`. It keeps the conditions
 * of Powertools' `DynamoDBPersistenceLayer`: a put succeeds only when the key
 * is absent, expired, or in progress past its in-progress expiry; an update
 * writes whether or not the key exists; a delete needs no condition; a read
 * of a missing key throws `IdempotencyItemNotFoundError`.
 *
 * The response is kept as JSON text, not as the object the handler returned:
 * middlewares whose `after` runs later may still change that object, and a
 * stored record must not change with it (DynamoDB's copy would not). It also
 * means Powertools pays for serialising the response once per first call and
 * parsing it once per replay, as our guard does with its store.
 */
export class InMemoryPowertoolsPersistence extends BasePersistenceLayer {
  readonly #items = new Map<string, StoredItem>()

  /** How many keys are kept: the CPU benchmark clears them now and then so memory stays flat. */
  get size(): number {
    return this.#items.size
  }

  /** Forgets every record. */
  clear(): void {
    this.#items.clear()
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const item = this.#items.get(idempotencyKey)
    if (!item) throw new IdempotencyItemNotFoundError(`No record for idempotency key ${idempotencyKey}`)
    return recordOf(idempotencyKey, item)
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.#items.get(record.idempotencyKey)
    if (existing && !replaceable(existing, Date.now())) {
      // The refusal carries the record it met, as DynamoDB's `ALL_OLD` does, so Powertools needs no second read.
      throw new IdempotencyItemAlreadyExistsError(
        `A record already exists for idempotency key ${record.idempotencyKey}`,
        recordOf(record.idempotencyKey, existing),
      )
    }
    // A put replaces the whole item: whatever an expired record held (its response among it) is gone.
    this.#items.set(record.idempotencyKey, {
      status: record.getStatus(),
      expiryTimestamp: record.expiryTimestamp,
      inProgressExpiryTimestamp: record.inProgressExpiryTimestamp,
      payloadHash: this.isPayloadValidationEnabled() ? record.payloadHash : undefined,
      responseJson: undefined,
    })
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    // Like DynamoDB's UpdateItem without a condition: creates the item when it is missing, and keeps the
    // attributes it does not set (the in-progress expiry; the response when this update carries none).
    const existing = this.#items.get(record.idempotencyKey)
    this.#items.set(record.idempotencyKey, {
      status: record.getStatus(),
      expiryTimestamp: record.expiryTimestamp,
      inProgressExpiryTimestamp: existing?.inProgressExpiryTimestamp,
      payloadHash: this.isPayloadValidationEnabled() ? record.payloadHash : existing?.payloadHash,
      responseJson: record.responseData === undefined ? existing?.responseJson : JSON.stringify(record.responseData),
    })
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.#items.delete(record.idempotencyKey)
  }
}

/**
 * DynamoDB's put condition, read the same way: an item whose expiry (seconds)
 * has passed is free, and so is one still in progress whose in-progress
 * expiry (milliseconds) has passed, the owner having died or timed out. A
 * missing timestamp never counts as passed, as a comparison with a missing
 * attribute is false in DynamoDB.
 */
function replaceable(item: StoredItem, nowMs: number): boolean {
  if (item.expiryTimestamp !== undefined && item.expiryTimestamp < nowMs / 1000) return true
  return (
    item.status === IdempotencyRecordStatus.INPROGRESS &&
    item.inProgressExpiryTimestamp !== undefined &&
    item.inProgressExpiryTimestamp < nowMs
  )
}

/** A new record per read, as a database read gives: what Powertools does with it cannot reach the stored item. */
function recordOf(idempotencyKey: string, item: StoredItem): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey,
    status: item.status,
    expiryTimestamp: item.expiryTimestamp,
    inProgressExpiryTimestamp: item.inProgressExpiryTimestamp,
    payloadHash: item.payloadHash,
    responseData: item.responseJson === undefined ? undefined : JSON.parse(item.responseJson),
  })
}
