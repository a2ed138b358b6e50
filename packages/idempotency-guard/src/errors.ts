import { LambdaSessionError } from '@lambda-session/core'

const pkg = '@lambda-session/idempotency-guard'

/** 400: the route needs an `Idempotency-Key` header and the request has none. */
export class IdempotencyKeyMissingError extends LambdaSessionError {
  constructor(headerName: string) {
    super(`This request needs an ${headerName} header: send a unique value (e.g. a UUID) per operation.`, 400, {
      package: pkg,
    })
  }
}

/** 400: the key is too long or holds characters other than printable ASCII. */
export class IdempotencyKeyInvalidError extends LambdaSessionError {
  constructor(headerName: string, maxLength: number) {
    super(`The ${headerName} header must be 1 to ${maxLength} printable ASCII characters, e.g. a UUID.`, 400, {
      package: pkg,
    })
  }
}

/** 409: the first request with this key is still running. Retry after `Retry-After` seconds. */
export class IdempotencyInProgressError extends LambdaSessionError {
  constructor(retryAfterSeconds: number) {
    super('A request with this idempotency key is still being processed; retry after the Retry-After delay.', 409, {
      package: pkg,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    })
  }
}

/** 422: the key was already used with a different request payload. */
export class IdempotencyKeyReusedError extends LambdaSessionError {
  constructor() {
    super('This idempotency key was already used for a different request; use a new key for a new operation.', 422, {
      package: pkg,
    })
  }
}

/**
 * 409: the request outlived its idempotency lock (another request may hold
 * the key now), so neither its response nor its session changes were
 * saved. Retry with the same key after `Retry-After` seconds.
 */
export class IdempotencyLockLostError extends LambdaSessionError {
  constructor() {
    super(
      'This request outlived its idempotency lock, so its changes were not saved; retry with the same idempotency key.',
      409,
      { package: pkg, headers: { 'Retry-After': '1' } },
    )
  }
}
