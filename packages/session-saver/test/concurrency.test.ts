import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { hashSessionId, type SessionOptions } from '@lambda-session/core'
import {
  createTestbed,
  invoke,
  SECRET,
  type SessionTestbed,
  sessionCookieOf,
  sessionHandler,
  sidFrom,
} from './harness.js'

let bed: SessionTestbed
let options: SessionOptions

beforeAll(async () => {
  bed = await createTestbed()
  options = { store: bed.store, secrets: [SECRET] }
})
afterAll(() => bed.close())

const readAll = () => sessionHandler(options, (s) => s.toJSON())
const bodyOf = (response: { body?: string }) => JSON.parse(response.body as string)

async function newSession(data: Record<string, unknown>): Promise<Record<string, string>> {
  return sidFrom(
    await invoke(
      sessionHandler(options, (s) => {
        for (const [key, value] of Object.entries(data)) s.set(key, value)
      }),
    ),
  )
}

describe('parallel requests on one session lose no update', () => {
  test('50 parallel increments all apply', async () => {
    const sid = await newSession({ seed: true })
    const increment = sessionHandler(options, (s) => s.increment('counter'))
    const responses = await Promise.all(Array.from({ length: 50 }, () => invoke(increment, { cookies: sid })))
    expect(responses.every((r) => r.statusCode === 200)).toBe(true)
    expect(bodyOf(await invoke(readAll(), { cookies: sid })).counter).toBe(50)
  })

  test('50 parallel appends all apply, each exactly once', async () => {
    const sid = await newSession({ seed: true })
    let n = 0
    const add = sessionHandler(options, (s) => s.append('items', { n: n++ }))
    const responses = await Promise.all(Array.from({ length: 50 }, () => invoke(add, { cookies: sid })))
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200))
    const items = bodyOf(await invoke(readAll(), { cookies: sid })).items as { n: number }[]
    expect(items.map((item) => item.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  test('parallel sets of different keys all survive', async () => {
    const sid = await newSession({ seed: true })
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        invoke(
          sessionHandler(options, (s) => s.set(`key${i}`, i)),
          { cookies: sid },
        ),
      ),
    )
    const data = bodyOf(await invoke(readAll(), { cookies: sid }))
    for (let i = 0; i < 20; i++) expect(data[`key${i}`]).toBe(i)
  })

  test('a real same-key conflict is a 409 with Retry-After, never a silently dropped write', async () => {
    const sid = await newSession({ plan: 'free' })
    // All four handlers wait until all four have loaded the same version: a true race.
    let arrived = 0
    let allLoaded!: () => void
    const barrier = new Promise<void>((resolve) => {
      allLoaded = resolve
    })
    const responses = await Promise.all(
      ['pro', 'team', 'enterprise', 'basic'].map((plan) =>
        invoke(
          sessionHandler(options, async (s) => {
            if (++arrived === 4) allLoaded()
            await barrier
            s.set('plan', plan)
          }),
          { cookies: sid },
        ),
      ),
    )
    const statuses = responses.map((r) => r.statusCode).sort()
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1)
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    for (const conflict of responses.filter((r) => r.statusCode === 409)) {
      expect(conflict.headers?.['Retry-After']).toBe('1')
      expect(conflict.body).toContain("'plan'")
    }
    // The stored value is the one a 200 answer wrote, and only one 200 can exist per version.
    const winners = responses.flatMap((r, i) =>
      r.statusCode === 200 ? [['pro', 'team', 'enterprise', 'basic'][i]] : [],
    )
    expect(winners).toHaveLength(1)
    expect(bodyOf(await invoke(readAll(), { cookies: sid })).plan).toBe(winners[0])
  })

  test('a sequential conflict: a stale request that set a key after another request changed it gets 409', async () => {
    const sid = await newSession({ plan: 'free' })
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = invoke(
      sessionHandler(options, async (s) => {
        await gate
        s.set('plan', 'slow')
      }),
      { cookies: sid },
    )
    await new Promise((resolve) => setTimeout(resolve, 100)) // the slow request has loaded by now
    expect(
      (
        await invoke(
          sessionHandler(options, (s) => s.set('plan', 'fast')),
          { cookies: sid },
        )
      ).statusCode,
    ).toBe(200)
    release()
    expect((await slow).statusCode).toBe(409)
    expect(bodyOf(await invoke(readAll(), { cookies: sid })).plan).toBe('fast')
  })

  test('a request that finishes after destroy() does not bring the session back', async () => {
    const sid = await newSession({ cart: ['a'] })
    const id = (sid.sid as string).split('.')[0] as string
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const late = invoke(
      sessionHandler(options, async (s) => {
        await gate
        s.append('cart', 'b')
        s.increment('n')
      }),
      { cookies: sid },
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    const logout = await invoke(
      sessionHandler(options, (s) => s.destroy()),
      { cookies: sid },
    )
    expect(sessionCookieOf(logout)?.value).toBe('')
    release()
    const lateResponse = await late
    expect(lateResponse.statusCode).toBe(200)
    expect(sessionCookieOf(lateResponse)?.value).toBe('') // the late request tells the browser too
    const item = await bed.client.send(
      new GetItemCommand({ TableName: bed.tableName, Key: { pk: { S: hashSessionId(id) } }, ConsistentRead: true }),
    )
    expect(item.Item).toBeUndefined()
    expect(bodyOf(await invoke(readAll(), { cookies: sid }))).toEqual({})
  })
})
