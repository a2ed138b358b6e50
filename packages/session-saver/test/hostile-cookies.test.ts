import { ScanCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { generateSessionId, type SessionOptions, SignedCookieCodec } from '@lambda-session/core'
import {
  createTestbed,
  invoke,
  OTHER_SECRET,
  SECRET,
  type SessionTestbed,
  SHAPES,
  sessionCookieOf,
  sessionHandler,
  sidFrom,
} from './harness.js'

let bed: SessionTestbed
let options: SessionOptions
let validSid: string

beforeAll(async () => {
  bed = await createTestbed()
  options = { store: bed.store, secrets: [SECRET] }
  validSid = sidFrom(await invoke(sessionHandler(options, (s) => s.set('owner', 'alice')))).sid as string
})
afterAll(() => bed.close())

const whoami = () => sessionHandler(options, (s) => ({ isNew: s.isNew, owner: s.get('owner') ?? null }))
const required = () => sessionHandler({ ...options, required: true }, (s) => s.get('owner'))
const forged = (secret: string, id = generateSessionId()) => new SignedCookieCodec([secret]).sign('sid', id)

const hostile: Array<[string, string[] | Record<string, string>]> = [
  ['garbage', { sid: '%%%\u0000garbage;;==' }],
  ['an empty value', { sid: '' }],
  ['no signature', { sid: generateSessionId() }],
  ['a wrong signature', { sid: `${generateSessionId()}.${'A'.repeat(43)}` }],
  ['a signature by an unknown secret', { sid: forged(OTHER_SECRET) }],
  ['a validly signed unknown id', { sid: forged(SECRET) }],
  ['a signed payload that is not a session id', { sid: new SignedCookieCodec([SECRET]).sign('sid', 'admin') }],
  ['an oversized value', { sid: `${'x'.repeat(10_000)}.${'A'.repeat(43)}` }],
  ['a huge cookie header', { sid: 'y'.repeat(20_000) }],
  ['many sid cookies', Array.from({ length: 200 }, () => `sid=${forged(OTHER_SECRET)}`)],
]

describe.each(hostile)('a cookie with %s', (_label, cookies) => {
  test.each(SHAPES)('is "no session" in %s and never a 500', async (shape) => {
    const response = await invoke(whoami(), { shape, cookies })
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(response.body as string)).toEqual({ isNew: true, owner: null })
    expect(sessionCookieOf(response)).toBeUndefined()
  })

  test('is a 401 where the route requires a session', async () => {
    const response = await invoke(required(), { cookies })
    expect(response.statusCode).toBe(401)
    expect(response.body).toMatch(/sign in again/)
  })
})

describe('valid cookies next to hostile ones', () => {
  test('a duplicated sid: the valid one is used whichever comes first', async () => {
    for (const cookies of [
      [`sid=${forged(OTHER_SECRET)}`, `sid=${validSid}`],
      [`sid=${validSid}`, `sid=${forged(SECRET)}`],
    ]) {
      const response = await invoke(whoami(), { cookies })
      expect(JSON.parse(response.body as string)).toEqual({ isNew: false, owner: 'alice' })
    }
  })

  test('a valid cookie loads under required: true', async () => {
    const response = await invoke(required(), { cookies: { sid: validSid } })
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(response.body as string)).toBe('alice')
  })
})

describe('secret rotation', () => {
  test('a cookie signed with a secret still in the ring loads; once rotated out, it is no session', async () => {
    const oldOptions: SessionOptions = { store: bed.store, secrets: [OTHER_SECRET] }
    const sid = sidFrom(await invoke(sessionHandler(oldOptions, (s) => s.set('owner', 'bob'))))
    const rotated: SessionOptions = { store: bed.store, secrets: [SECRET, OTHER_SECRET] }
    const during = await invoke(
      sessionHandler(rotated, (s) => s.get('owner') ?? null),
      { cookies: sid },
    )
    expect(JSON.parse(during.body as string)).toBe('bob')
    const after = await invoke(
      sessionHandler({ store: bed.store, secrets: [SECRET] }, (s) => s.get('owner') ?? null),
      { cookies: sid },
    )
    expect(JSON.parse(after.body as string)).toBeNull()
  })
})

describe('expiry is enforced at read time', () => {
  test('idle timeout and absolute lifetime each end a session, though the item is still stored', async () => {
    let now = Date.UTC(2026, 5, 1)
    const timed: SessionOptions = {
      ...options,
      clock: () => now,
      idleTimeoutSeconds: 600,
      absoluteTimeoutSeconds: 3600,
      touchIntervalSeconds: 1,
    }
    const owner = () => sessionHandler(timed, (s) => s.get('owner') ?? null)
    const idle = sidFrom(await invoke(sessionHandler(timed, (s) => s.set('owner', 'carol'))))
    now += 599_000
    expect(JSON.parse((await invoke(owner(), { cookies: idle })).body as string)).toBe('carol') // and touched
    now += 599_000
    expect(JSON.parse((await invoke(owner(), { cookies: idle })).body as string)).toBe('carol')
    now += 601_000
    expect(JSON.parse((await invoke(owner(), { cookies: idle })).body as string)).toBeNull()

    const active = sidFrom(await invoke(sessionHandler(timed, (s) => s.set('owner', 'dave'))))
    for (let i = 0; i < 6; i++) {
      now += 590_000 // always inside the idle timeout
      const body = JSON.parse((await invoke(owner(), { cookies: active })).body as string)
      expect(body).toBe('dave')
    }
    now += 590_000 // 4130 s since creation: past the absolute lifetime
    expect(JSON.parse((await invoke(owner(), { cookies: active })).body as string)).toBeNull()
  })
})

describe('size', () => {
  test('a session past the 400 KB item limit fails with a clear 413 before any write', async () => {
    const sid = sidFrom(await invoke(sessionHandler(options, (s) => s.set('small', 1))))
    bed.calls.reset()
    const response = await invoke(
      sessionHandler(options, (s) => s.set('blob', 'z'.repeat(410 * 1024))),
      { cookies: sid },
    )
    expect(response.statusCode).toBe(413)
    expect(response.body).toMatch(/over the 409600-byte limit; nothing was saved/)
    expect(bed.calls.writes()).toBe(0)
    const fresh = await invoke(sessionHandler(options, (s) => s.set('blob', 'z'.repeat(410 * 1024))))
    expect(fresh.statusCode).toBe(413)
    const items = await bed.client.send(new ScanCommand({ TableName: bed.tableName }))
    expect(items.Items?.some((item) => item.data?.M?.blob)).toBe(false)
  })
})
