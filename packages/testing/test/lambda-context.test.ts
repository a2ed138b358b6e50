import { describe, expect, test } from '@jest/globals'
import { createLambdaContext, ManualClock } from '@lambda-session/testing'

describe('createLambdaContext', () => {
  test('remaining time follows the manual clock and stops at 0', () => {
    const clock = new ManualClock(1_000_000)
    const context = createLambdaContext({ timeoutMs: 1000, clock })
    expect(context.getRemainingTimeInMillis()).toBe(1000)
    clock.advance(400)
    expect(context.getRemainingTimeInMillis()).toBe(600)
    clock.advance(600)
    expect(context.getRemainingTimeInMillis()).toBe(0)
    clock.advance(5000)
    expect(context.getRemainingTimeInMillis()).toBe(0)
  })

  test('the default timeout is Lambda’s 3 seconds', () => {
    const clock = new ManualClock(0)
    expect(createLambdaContext({ clock }).getRemainingTimeInMillis()).toBe(3000)
  })

  test('without a clock it counts down in real time', async () => {
    const context = createLambdaContext({ timeoutMs: 10_000 })
    const first = context.getRemainingTimeInMillis()
    expect(first).toBeLessThanOrEqual(10_000)
    expect(first).toBeGreaterThan(9_000)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(context.getRemainingTimeInMillis()).toBeLessThan(first)
  })

  test('has every field of Lambda’s Context', () => {
    const context = createLambdaContext({ functionName: 'shop', awsRequestId: 'req-1' })
    expect(context).toMatchObject({
      callbackWaitsForEmptyEventLoop: true,
      functionName: 'shop',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:shop',
      memoryLimitInMB: '128',
      awsRequestId: 'req-1',
      logGroupName: '/aws/lambda/shop',
    })
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
    for (const method of ['getRemainingTimeInMillis', 'done', 'fail', 'succeed'] as const) {
      expect(typeof context[method]).toBe('function')
    }
  })

  test('defaults: test-function and a fresh request id per context', () => {
    const a = createLambdaContext()
    const b = createLambdaContext()
    expect(a.functionName).toBe('test-function')
    expect(a.awsRequestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(a.awsRequestId).not.toBe(b.awsRequestId)
  })

  test('the callback-era methods throw instead of pretending to work', () => {
    const context = createLambdaContext()
    expect(() => context.done()).toThrow(/context\.done\(\) is not supported/)
    expect(() => context.fail('x')).toThrow(/context\.fail\(\) is not supported/)
    expect(() => context.succeed('x')).toThrow(/context\.succeed\(\) is not supported/)
  })

  test('rejects a timeout that is not positive', () => {
    expect(() => createLambdaContext({ timeoutMs: 0 })).toThrow(RangeError)
    expect(() => createLambdaContext({ timeoutMs: Number.NaN })).toThrow(/positive/)
  })
})
