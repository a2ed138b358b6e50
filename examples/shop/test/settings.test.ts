import { describe, expect, test } from '@jest/globals'
import { jsonLogger } from '../src/logger.js'
import { DEV_SESSION_SECRET, loadSessionSecrets, parseKeyRing, readSettings } from '../src/settings.js'

describe('the example apps’ settings', () => {
  test('defaults, and COOKIE_SECURE=false as the only way to drop Secure', () => {
    expect(readSettings({})).toEqual({
      sessionTable: 'lambda-session-examples-sessions',
      idempotencyTable: 'lambda-session-examples-idempotency',
      cookieSecure: true,
      dynamodbEndpoint: undefined,
      logLevel: 'info',
    })
    expect(readSettings({ COOKIE_SECURE: 'FALSE' }).cookieSecure).toBe(false)
    expect(readSettings({ COOKIE_SECURE: '0' }).cookieSecure).toBe(true)
    expect(readSettings({ LOG_LEVEL: 'loud' }).logLevel).toBe('info')
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
