import { expect, test } from '@jest/globals'
import { ConfigurationError, LambdaSessionError, SessionGoneError, StoreUnavailableError } from '@lambda-session/core'
import { ReplyError } from 'ioredis'
import { toRedisStoreError } from '../src/redis-errors.js'

// The replies a real server gives in states the other tests can't easily
// reach (a long script, a node loading its data, a lost primary, an ACL).
test.each([
  ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.', StoreUnavailableError],
  ['LOADING Redis is loading the dataset in memory', StoreUnavailableError],
  ["MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", StoreUnavailableError],
  ['TRYAGAIN Multiple keys request during rehashing of slot', StoreUnavailableError],
  ['CLUSTERDOWN The cluster is down', StoreUnavailableError],
  ["NOPERM User app has no permissions to run the 'evalsha' command", ConfigurationError],
  ['WRONGPASS invalid username-password pair or user is disabled.', ConfigurationError],
  ['MOVED 3999 127.0.0.1:6381', ConfigurationError],
  ["ERR unknown command 'EVALSHA', with args beginning with:", ConfigurationError],
  ['ERR Error running script (call to f_abc): @user_script:1: oops', LambdaSessionError],
])('%s', (message, expected) => {
  const mapped = toRedisStoreError(new ReplyError(message), 'update')
  expect(mapped).toBeInstanceOf(expected)
  if (expected === LambdaSessionError) {
    expect(mapped).not.toBeInstanceOf(StoreUnavailableError)
    expect((mapped as LambdaSessionError).statusCode).toBe(500)
  }
  expect(mapped.message).toContain('update')
  expect(mapped.cause).toEqual({ package: '@lambda-session/redis-store', data: expect.any(ReplyError) })
})

test('anything that is not an answer of the server (closed connection, command timeout) is a 503', () => {
  for (const error of [new Error('Connection is closed.'), new Error('Command timed out'), 'weird']) {
    expect(toRedisStoreError(error, 'load')).toBeInstanceOf(StoreUnavailableError)
  }
})

test("the project's own errors and TypeErrors pass through unchanged", () => {
  const gone = new SessionGoneError({ package: 'x' })
  const type = new TypeError('bad value')
  expect(toRedisStoreError(gone, 'update')).toBe(gone)
  expect(toRedisStoreError(type, 'update')).toBe(type)
})
