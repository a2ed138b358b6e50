import { expect, test } from '@jest/globals'
import {
  ConfigurationError,
  LambdaSessionError,
  SessionConflictError,
  SessionGoneError,
  SessionRequiredError,
  SessionTooLargeError,
  StoreUnavailableError,
} from '@lambda-session/core'

const from = { package: '@lambda-session/test' }

test.each([
  ['SessionRequiredError', new SessionRequiredError(from), 401, true, {}],
  ['SessionConflictError', new SessionConflictError(['cart'], from), 409, true, { 'Retry-After': '1' }],
  ['SessionGoneError', new SessionGoneError(from), 409, true, {}],
  ['SessionTooLargeError', new SessionTooLargeError(500_000, 409_600, from), 413, true, {}],
  ['StoreUnavailableError', new StoreUnavailableError('GetItem', from), 503, true, { 'Retry-After': '1' }],
  ['ConfigurationError', new ConfigurationError('bad', from), 500, false, {}],
])('%s: status, expose and headers for http-error-handler', (name, error, status, expose, headers) => {
  expect(error).toBeInstanceOf(LambdaSessionError)
  expect(error).toBeInstanceOf(Error)
  expect(error.name).toBe(name)
  expect(error.statusCode).toBe(status)
  expect(error.expose).toBe(expose)
  expect(error.headers).toEqual(headers)
  expect(error.cause).toEqual({ package: '@lambda-session/test', data: undefined })
})

test('the cause keeps the underlying error next to the package name', () => {
  const sdkError = new Error('ProvisionedThroughputExceededException')
  const error = new StoreUnavailableError('UpdateItem', { ...from, cause: sdkError, headers: { 'Retry-After': '5' } })
  expect(error.cause).toEqual({ package: '@lambda-session/test', data: sdkError })
  expect(error.headers).toEqual({ 'Retry-After': '5' })
  expect(error.message).toBe('The store is unavailable (UpdateItem failed); retry shortly.')
})

test('messages say what happened and what to do', () => {
  const conflict = new SessionConflictError(['cart', 'n'], from)
  expect(conflict.keys).toEqual(['cart', 'n'])
  expect(conflict.message).toMatch(/^Session key\(s\) 'cart', 'n' changed in a concurrent request; retry the request\./)
  const tooLarge = new SessionTooLargeError(500_000, 409_600, from)
  expect(tooLarge).toMatchObject({ sizeBytes: 500_000, limitBytes: 409_600 })
  expect(tooLarge.message).toMatch(/500000 bytes, over the 409600-byte limit; nothing was saved/)
})
