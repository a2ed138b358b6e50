import { describe, expect, test } from '@jest/globals'
import { jsonLogger } from '../src/logger.js'
import { DEV_SESSION_SECRET, loadSessionSecrets, parseKeyRing, readSettings } from '../src/settings.js'
import { createStores } from '../src/stores.js'

describe('the example apps’ settings', () => {
  test('defaults, and COOKIE_SECURE=false as the only way to drop Secure', () => {
    expect(readSettings({})).toEqual({
      sessionTable: 'lambda-session-examples-sessions',
      idempotencyTable: 'lambda-session-examples-idempotency',
      cookieSecure: true,
      dynamodbEndpoint: undefined,
      logLevel: 'info',
      sessionStore: 'dynamodb',
      redisUrl: undefined,
    })
    expect(readSettings({ COOKIE_SECURE: 'FALSE' }).cookieSecure).toBe(false)
    expect(readSettings({ COOKIE_SECURE: '0' }).cookieSecure).toBe(true)
    expect(readSettings({ LOG_LEVEL: 'loud' }).logLevel).toBe('info')
  })

  test('SESSION_STORE picks dynamodb, redis or cookie; anything else fails naming the three', () => {
    expect(readSettings({ SESSION_STORE: '' }).sessionStore).toBe('dynamodb')
    expect(readSettings({ SESSION_STORE: 'Redis', REDIS_URL: 'redis://10.0.0.5:6379' })).toMatchObject({
      sessionStore: 'redis',
      redisUrl: 'redis://10.0.0.5:6379',
    })
    expect(readSettings({ SESSION_STORE: 'cookie' }).sessionStore).toBe('cookie')
    expect(() => readSettings({ SESSION_STORE: 'memcached' })).toThrow(
      'SESSION_STORE must be one of dynamodb, redis, cookie; got "memcached".',
    )
  })

  test('the stores each choice builds; redis without REDIS_URL refuses to start', async () => {
    const silent = { debug() {}, info() {}, warn() {}, error() {} }
    const cookie = await createStores(readSettings({ SESSION_STORE: 'cookie' }), silent)
    expect([cookie.sessionStore.constructor.name, cookie.idempotencyStore.constructor.name]).toEqual([
      'CookieSessionStore',
      'DynamoDBIdempotencyStore',
    ])
    const dynamodb = await createStores(readSettings({}), silent)
    expect(dynamodb.sessionStore.constructor.name).toBe('DynamoDBSessionStore')
    await expect(createStores(readSettings({ SESSION_STORE: 'redis' }), silent)).rejects.toThrow(/needs REDIS_URL/)
  })

  test('a secret is one key, or a JSON array of keys to rotate (the first signs)', () => {
    expect(parseKeyRing(' one-key ')).toEqual(['one-key'])
    expect(parseKeyRing('["new", "old"]')).toEqual(['new', 'old'])
    expect(() => parseKeyRing('[]')).toThrow(TypeError)
    expect(() => parseKeyRing('[1]')).toThrow(TypeError)
  })

  test('locally the development secret, with a warning; a deployed function refuses it', async () => {
    const warnings: string[] = []
    expect(await loadSessionSecrets({}, (message) => warnings.push(message))).toEqual([DEV_SESSION_SECRET])
    expect(warnings).toEqual([expect.stringContaining('SESSION_SECRET is not set')])
    await expect(loadSessionSecrets({ AWS_LAMBDA_FUNCTION_NAME: 'shop-login' })).rejects.toThrow(/SESSION_SECRET_ARN/)
    expect(await loadSessionSecrets({ AWS_LAMBDA_FUNCTION_NAME: 'x', SESSION_SECRET: '["a","b"]' })).toEqual(['a', 'b'])
  })

  test('the logger writes one JSON line per event at or above its level', () => {
    const lines: string[] = []
    const logger = jsonLogger('warn', (line) => lines.push(line))
    logger.info('dropped', { event: 'x' })
    logger.warn('kept', { event: 'session-conflict' })
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: 'warn', message: 'kept', event: 'session-conflict', time: expect.any(String) },
    ])
  })
})
