import { expect, test } from '@jest/globals'
import type { HttpEvent } from '@lambda-session/core'
import { httpCookieParser, type ParsedCookiesEvent } from '@lambda-session/http-cookie-parser'
import { buildHttpEvent, EventShapes } from '@lambda-session/testing'

/** A small seeded PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

// Characters that matter to cookie parsing, plus ones that break naive decoders.
const alphabet = ['a', 'Z', '0', '=', ';', ' ', '%', '%2', '%E0', '"', ',', '\\', '\t', '\u0000', 'é', '\uD800', '😀']

function garbage(next: () => number): string {
  let text = ''
  for (let i = Math.floor(next() * 64); i > 0; i--) text += alphabet[Math.floor(next() * alphabet.length)]
  // Now and then an oversized one (past core's 16 KiB cap), repeated rather than drawn char by char for speed.
  return next() < 0.02 ? `${text}x`.repeat(Math.ceil(20_000 / (text.length + 1))) : text
}

/** Anything a broken proxy or a hand-made test event might put where cookies go. */
function oddValue(next: () => number): unknown {
  const choices: unknown[] = [undefined, null, 42, {}, [], [7], ['a=1', 3], { cookie: 'a=1' }, true, garbage(next)]
  return choices[Math.floor(next() * choices.length)]
}

function parse(event: unknown): unknown {
  const request = { event, context: {}, response: undefined, error: undefined, internal: {} }
  ;(httpCookieParser().before as (r: typeof request) => void)(request)
  return (event as Partial<ParsedCookiesEvent>).parsedCookies
}

function expectPlainStrings(parsed: unknown): void {
  expect(typeof parsed).toBe('object')
  expect(parsed).not.toBeNull()
  expect(Array.isArray(parsed)).toBe(false)
  expect([null, Object.prototype]).toContain(Object.getPrototypeOf(parsed))
  expect(Object.values(parsed as object).filter((value) => typeof value !== 'string')).toEqual([])
}

test.each(EventShapes)('%s: random cookie strings never throw and give an object of strings', (shape) => {
  const next = random(0x5eed + shape.length)
  for (let run = 0; run < 300; run++) {
    const pairs = Array.from({ length: 1 + Math.floor(next() * 5) }, () => garbage(next))
    const event = buildHttpEvent(shape, { cookies: pairs })
    let parsed: unknown
    expect(() => {
      parsed = parse(event)
    }).not.toThrow()
    expectPlainStrings(parsed)
  }
})

test.each(EventShapes)('%s: odd values in the cookie fields never throw', (shape) => {
  const next = random(0xbad + shape.length)
  for (let run = 0; run < 200; run++) {
    const event = buildHttpEvent<HttpEvent>(shape)
    const odd = oddValue(next)
    if (shape === 'http-api-v2' || shape === 'function-url') event.cookies = odd as string[]
    else if (shape === 'alb') event.headers = { cookie: odd as string }
    else event.multiValueHeaders = { Cookie: odd as string[] }
    let parsed: unknown
    expect(() => {
      parsed = parse(event)
    }).not.toThrow()
    expectPlainStrings(parsed)
  }
})

test('whole events that are not HTTP events never throw', () => {
  const next = random(42)
  for (let run = 0; run < 200; run++) {
    const event: Record<string, unknown> = {}
    for (const key of ['version', 'headers', 'multiValueHeaders', 'cookies', 'requestContext']) {
      if (next() < 0.6) event[key] = key === 'version' && next() < 0.5 ? '2.0' : oddValue(next)
    }
    expect(() => parse(event)).not.toThrow()
    expectPlainStrings(event.parsedCookies)
  }
})
