import { describe, expect, test } from '@jest/globals'
import { type HttpEvent, parseRequestCookies } from '@lambda-session/core'
import { capture, onePerDelivery, proxyCaptures, withCookies } from './aws-events.js'

const entries = (event: HttpEvent) => [...parseRequestCookies(event)]

describe('parseRequestCookies on real captures', () => {
  test.each(proxyCaptures)('$file: no cookies in the capture as AWS sent it', ({ file }) => {
    // function-url/base.json carries `cookie1` and `cookie2`, both without a value.
    expect(entries(capture(file))).toEqual([])
  })

  test.each(proxyCaptures)('$file: reads cookies added as AWS delivers them', ({ file, delivery }) => {
    const event = withCookies(capture(file), delivery, ['sid=abc.def', 'theme=dark'])
    expect(entries(event)).toEqual([
      ['sid', ['abc.def']],
      ['theme', ['dark']],
    ])
  })

  test.each(onePerDelivery)('$file: a repeated name keeps every value, in order', ({ file, delivery }) => {
    const event = withCookies(capture(file), delivery, ['sid=first', 'a=1', 'sid=second', 'sid=third'])
    expect(parseRequestCookies(event).get('sid')).toEqual(['first', 'second', 'third'])
    expect(parseRequestCookies(event).get('a')).toEqual(['1'])
  })

  test.each(onePerDelivery)('$file: valueless cookies are skipped, the rest kept', ({ file, delivery }) => {
    const event = withCookies(capture(file), delivery, ['cookie1', 'sid=x', 'cookie2'])
    expect(entries(event)).toEqual([['sid', ['x']]])
  })

  test('function-url/base.json: cookies next to the captured valueless ones', () => {
    const event = capture('function-url/base.json')
    event.cookies = [...(event.cookies ?? []), 'sid=abc']
    expect(event.cookies).toEqual(['cookie1', 'cookie2', 'sid=abc'])
    expect(entries(event)).toEqual([['sid', ['abc']]])
  })

  test.each(onePerDelivery)('$file: %-escapes decode, malformed ones stay raw', ({ file, delivery }) => {
    const event = withCookies(capture(file), delivery, ['a=%20x%C3%A9', 'bad=%E0%A4%A', 'worse=%zz'])
    expect(entries(event)).toEqual([
      ['a', [' xé']],
      ['bad', ['%E0%A4%A']],
      ['worse', ['%zz']],
    ])
  })

  test.each(onePerDelivery)('$file: garbage never throws', ({ file, delivery }) => {
    const garbage = ['=', ';;;', '=;=;', 'a=b=c', '\u0000=\u0001', '"=";', '%', 'é=ü', '\uD800=x', ' ; = ; ']
    const event = withCookies(capture(file), delivery, garbage)
    expect(() => parseRequestCookies(event)).not.toThrow()
    expect(parseRequestCookies(event).get('a')).toEqual(['b=c'])
  })
})

describe('parseRequestCookies limits and edge cases', () => {
  const limit = 16 * 1024

  test('REST: a Cookie header over 16 KiB is ignored whole; one at the limit is read', () => {
    const at = `sid=x; pad=${'p'.repeat(limit - 'sid=x; pad='.length)}`
    expect(at).toHaveLength(limit)
    expect(parseRequestCookies(withCookies(capture('apigw-rest/no-auth.json'), 'rest', [at])).get('sid')).toEqual(['x'])
    const over = `${at}p`
    expect(parseRequestCookies(withCookies(capture('apigw-rest/no-auth.json'), 'rest', [over])).size).toBe(0)
  })

  test.each(['alb', 'alb-multi'] as const)('%s: a huge Cookie header is ignored', (delivery) => {
    const file = delivery === 'alb' ? 'alb/base.json' : 'alb/multi-fields.json'
    const event = withCookies(capture(file), delivery, ['sid=x', `big=${'b'.repeat(limit)}`])
    expect(parseRequestCookies(event).size).toBe(0)
  })

  test('HTTP API: only the huge entry of the cookies array is dropped', () => {
    const event = withCookies(capture('apigw-http/no-auth.json'), 'payload-v2', ['sid=x', `big=${'b'.repeat(limit)}`])
    expect(entries(event)).toEqual([['sid', ['x']]])
  })

  test('REST: several Cookie headers (multiValueHeaders) are all read, any header case', () => {
    const event = capture('apigw-rest/no-auth.json')
    event.headers = { ...event.headers, cookie: 'b=2' }
    event.multiValueHeaders = { ...event.multiValueHeaders, cookie: ['a=1', 'b=2'] }
    expect(entries(event)).toEqual([
      ['a', ['1']],
      ['b', ['2']],
    ])
  })

  test('single-value headers are used when there are no multi-value ones', () => {
    // The console's test UI sends both header maps as null.
    const bare = capture('apigw-rest/console-test-ui.json')
    expect(bare.headers).toBeNull()
    expect(bare.multiValueHeaders).toBeNull()
    expect(entries(bare)).toEqual([])
    const event = capture('apigw-rest/console-test-ui.json')
    event.headers = { COOKIE: 'a=1' }
    expect(entries(event)).toEqual([['a', ['1']]])
  })

  test('HTTP API: entries that are not strings are skipped', () => {
    const event = capture('apigw-http/no-auth.json')
    event.cookies = [42, null, 'a=1', { b: 2 }] as unknown as string[]
    expect(entries(event)).toEqual([['a', ['1']]])
  })

  test('parses once per event: the same result object for every caller', () => {
    const event = withCookies(capture('apigw-http/no-auth.json'), 'payload-v2', ['a=1'])
    const first = parseRequestCookies(event)
    expect(parseRequestCookies(event)).toBe(first)
    const other = withCookies(capture('apigw-http/no-auth.json'), 'payload-v2', ['a=2'])
    expect(parseRequestCookies(other)).not.toBe(first)
    expect(parseRequestCookies(other).get('a')).toEqual(['2'])
  })
})

describe('parseRequestCookies: the pair grammar', () => {
  const rest = (header: string): HttpEvent => ({ httpMethod: 'GET', headers: { Cookie: header } })

  test('spaces and tabs around names and values are trimmed; other characters are kept', () => {
    expect(entries(rest(' a = 1 ;\tb\t=\t2\t; c="q"'))).toEqual([
      ['a', ['1']],
      ['b', ['2']],
      ['c', ['"q"']],
    ])
  })

  test('the value runs from the first `=` to the next `;`', () => {
    expect(entries(rest('a=b=c;d==;e='))).toEqual([
      ['a', ['b=c']],
      ['d', ['=']],
      ['e', ['']],
    ])
  })

  test('a bare `=` is no pair, but ` =x` is one with an empty name', () => {
    expect(entries(rest('=;x;=1;;'))).toEqual([['', ['1']]])
    expect(entries(rest('='))).toEqual([])
  })

  test('%-escapes are decoded; malformed ones keep the raw text', () => {
    expect(entries(rest('a=%20x%41;b=%E0%A4%A;c=100%'))).toEqual([
      ['a', [' xA']],
      ['b', ['%E0%A4%A']],
      ['c', ['100%']],
    ])
  })

  test('pairs without `=` are skipped however many there are; the pair after them is read', () => {
    // Each pair would rescan the rest of the header for `=` if the search were not reused: quadratic.
    expect(entries(rest(`${';'.repeat(16 * 1024 - 4)}a=1`))).toEqual([['a', ['1']]])
    expect(entries(rest('x;'.repeat(8 * 1024)))).toEqual([])
  })
})
