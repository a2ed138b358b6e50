import { createHash, randomBytes } from 'node:crypto'
import { ConfigurationError, LambdaSessionError, type Logger, StoreUnavailableError } from '@lambda-session/core'
import { isUnavailableError, PACKAGE_NAME } from './dynamodb-errors.js'
import type { OperationDeadline } from './large-session-deadline.js'
import type { ResolvedLargeSessionOptions } from './large-session-options.js'
import { sendWithinBudget } from './send-within-budget.js'

/**
 * What a session item keeps about its S3 object: the key, and the SHA-256
 * and length of the body, so a reader never takes another body for it.
 *
 * @internal
 */
export interface SessionObjectPointer {
  /** The object key, `<prefix><id hash>/<write id>.json`: a fresh one per write. */
  key: string
  /** SHA-256 of the body (base64url). */
  sha256: string
  /** Length of the body in bytes. */
  bytes: number
}

/** What reading an object gave: the session data, or why there is none. @internal */
export type SessionObjectRead =
  | { found: true; data: Record<string, unknown> }
  | { found: false; reason: 'missing' | 'corrupt'; detail: string }

/** Version of the body format, so a later one can be told apart. */
const BODY_FORMAT = 1

type S3Module = typeof import('@aws-sdk/client-s3')
let s3Module: Promise<S3Module> | undefined

/**
 * The SDK's S3 commands, imported on first use: `@aws-sdk/client-s3` is an
 * optional peer dependency, so a store without `largeSessions` never loads it.
 */
function s3Commands(): Promise<S3Module> {
  s3Module ??= import('@aws-sdk/client-s3').catch((error: unknown) => {
    s3Module = undefined
    throw new ConfigurationError(
      'largeSessions needs the @aws-sdk/client-s3 package next to @lambda-session/dynamodb-store: install it.',
      { package: PACKAGE_NAME, cause: error },
    )
  })
  return s3Module
}

/** S3 answers that mean the bucket or the permissions are not set up. */
const SETUP_NAMES = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
])

/**
 * Maps an S3 failure like `toStoreError` maps DynamoDB's: outages and
 * timeouts are 503s, a missing bucket or a refused permission a
 * `ConfigurationError` saying what to fix, anything else a 500.
 *
 * @internal
 * @example
 * ```ts
 * catch (error) { throw toObjectStoreError(error, 'load', 'my-sessions') }
 * ```
 */
export function toObjectStoreError(error: unknown, operation: string, bucket: string): LambdaSessionError {
  if (error instanceof LambdaSessionError) return error
  const options = { package: PACKAGE_NAME, cause: error }
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string
    $metadata?: { httpStatusCode?: number }
  }
  const status = shape.$metadata?.httpStatusCode
  if ((shape.name && SETUP_NAMES.has(shape.name)) || status === 403 || status === 301) {
    return new ConfigurationError(
      `S3 refused the session store's ${operation} in bucket '${bucket}' (${shape.name ?? status}): check that the ` +
        'bucket exists (in the S3 client region) and that the role may s3:GetObject, s3:PutObject and s3:DeleteObject ' +
        'on the prefix and s3:ListBucket on the bucket (see the README).',
      options,
    )
  }
  if (isUnavailableError(error)) return new StoreUnavailableError(operation, options)
  return new LambdaSessionError(
    `S3 rejected the session store's ${operation} in bucket '${bucket}' (${shape.name ?? 'unknown error'}).`,
    500,
    options,
  )
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name
  return name === 'NoSuchKey' || name === 'NotFound'
}

function sha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url')
}

function isPlainData(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The S3 side of large sessions: one object per session write, never
 * overwritten (a concurrent reader may be fetching the previous one), read
 * back only when its hash matches the item's pointer. Every request runs
 * within the operation's deadline with the store's retry rules; all three
 * are safe to repeat (a fresh key, a read, a delete).
 *
 * @internal
 */
export class SessionObjects {
  readonly #options: ResolvedLargeSessionOptions
  readonly #tableName: string
  readonly #logger: Logger

  constructor(options: ResolvedLargeSessionOptions, tableName: string, logger: Logger) {
    this.#options = options
    this.#tableName = tableName
    this.#logger = logger
  }

  /** The bucket, for messages. */
  get bucket(): string {
    return this.#options.bucket
  }

  #send<T>(deadline: OperationDeadline, request: string, attempt: (abortSignal: AbortSignal) => Promise<T>) {
    const call = { operation: `${deadline.operation} (S3 ${request})`, tableName: this.#tableName, idempotent: true }
    return sendWithinBudget(attempt, call, deadline.budget(), this.#logger)
  }

  /** Writes `data` under a fresh key; resolves to the pointer the item will keep. */
  async put(idHash: string, data: Record<string, unknown>, deadline: OperationDeadline): Promise<SessionObjectPointer> {
    const { PutObjectCommand } = await s3Commands()
    const body = Buffer.from(JSON.stringify({ format: BODY_FORMAT, data }), 'utf8')
    const writeId = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`
    const pointer = {
      key: `${this.#options.prefix}${idHash}/${writeId}.json`,
      sha256: sha256(body),
      bytes: body.length,
    }
    const command = new PutObjectCommand({
      Bucket: this.#options.bucket,
      Key: pointer.key,
      Body: body,
      ContentType: 'application/json',
    })
    try {
      await this.#send(deadline, 'PutObject', (abortSignal) => this.#options.client.send(command, { abortSignal }))
    } catch (error) {
      throw toObjectStoreError(error, deadline.operation, this.#options.bucket)
    }
    return pointer
  }

  /** Reads the object a pointer names and checks it against the pointer. */
  async get(pointer: SessionObjectPointer, deadline: OperationDeadline): Promise<SessionObjectRead> {
    const { GetObjectCommand } = await s3Commands()
    const command = new GetObjectCommand({ Bucket: this.#options.bucket, Key: pointer.key })
    let body: Uint8Array
    try {
      body = await this.#send(deadline, 'GetObject', async (abortSignal) => {
        const output = await this.#options.client.send(command, { abortSignal })
        // Reading the body belongs to the attempt: a stalled stream is aborted with it.
        return (await output.Body?.transformToByteArray()) ?? new Uint8Array()
      })
    } catch (error) {
      if (isMissing(error)) return { found: false, reason: 'missing', detail: 'the object is gone' }
      throw toObjectStoreError(error, deadline.operation, this.#options.bucket)
    }
    if (body.length !== pointer.bytes || sha256(body) !== pointer.sha256) {
      return { found: false, reason: 'corrupt', detail: "the object's hash does not match the item's pointer" }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(body).toString('utf8'))
    } catch {
      return { found: false, reason: 'corrupt', detail: 'the object is not JSON' }
    }
    const { format, data } = (isPlainData(parsed) ? parsed : {}) as { format?: unknown; data?: unknown }
    if (format !== BODY_FORMAT || !isPlainData(data)) {
      return { found: false, reason: 'corrupt', detail: 'the object is not a session body' }
    }
    return { found: true, data }
  }

  /**
   * Deletes an object no item points to any more. Best effort: a failure is
   * logged and left to the bucket's lifecycle rule, never thrown, because
   * the session write it follows has already succeeded (or failed for
   * another reason worth reporting).
   */
  async discard(key: string, deadline: OperationDeadline): Promise<void> {
    try {
      const { DeleteObjectCommand } = await s3Commands()
      const command = new DeleteObjectCommand({ Bucket: this.#options.bucket, Key: key })
      await this.#send(deadline, 'DeleteObject', (abortSignal) => this.#options.client.send(command, { abortSignal }))
    } catch (error) {
      this.#logger.warn('lambda-session: left an unused session object for the bucket lifecycle rule', {
        table: this.#tableName,
        bucket: this.#options.bucket,
        reason: (error as Error | undefined)?.name ?? 'unknown',
      })
    }
  }
}
