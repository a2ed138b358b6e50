import { expect, test } from '@jest/globals'
import { ManualClock } from '@lambda-session/testing'

test('starts at the given time and moves only when told', () => {
  const clock = new ManualClock(1_000)
  expect(clock.now()).toBe(1_000)
  expect(clock.now()).toBe(1_000)
  expect(clock.advance(250)).toBe(1_250)
  expect(clock.now()).toBe(1_250)
  clock.set(50)
  expect(clock.now()).toBe(50)
})

test('starts at the real current time by default', () => {
  const before = Date.now()
  const clock = new ManualClock()
  expect(clock.now()).toBeGreaterThanOrEqual(before)
  expect(clock.now()).toBeLessThanOrEqual(Date.now())
})

test('now is bound, so it can be passed as a `() => number` clock', () => {
  const clock = new ManualClock(10)
  const { now } = clock
  clock.advance(5)
  expect(now()).toBe(15)
})

test('rejects steps that are not finite or go backwards', () => {
  const clock = new ManualClock(0)
  expect(() => clock.advance(-1)).toThrow(RangeError)
  expect(() => clock.advance(Number.NaN)).toThrow(/finite/)
  expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  expect(() => new ManualClock(Number.NaN)).toThrow(RangeError)
  expect(clock.now()).toBe(0)
})
