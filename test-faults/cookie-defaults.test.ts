import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import type { HttpResponse } from '@lambda-session/core'
import { createStoreClient } from '@lambda-session/dynamodb-store'
import { buildHttpEvent, EventShapes } from '@lambda-session/testing'
import { parseSetCookie } from 'cookie'
import { createFaultApp, ensureFaultTables, faultTables } from './support/fault-app.js'
import { invoke } from './support/invoke.js'

// Stolen cookies and CSRF: what the browser is told to do with the session
// cookie, in every event shape, with the default options.
const tables = faultTables('cookies')
let client: DynamoDBClient

beforeAll(async () => {
  client = createStoreClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  await ensureFaultTables(process.env.DYNAMODB_ENDPOINT as string, tables)
})
afterAll(() => client.destroy())

/** Every Set-Cookie of a response, wherever the shape puts it. */
function setCookies(response: HttpResponse | undefined): string[] {
  const found = [...(response?.cookies ?? [])]
  for (const [name, values] of Object.entries(response?.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === 'set-cookie') found.push(...values.map(String))
  }
  for (const [name, value] of Object.entries(response?.headers ?? {})) {
    if (name.toLowerCase() === 'set-cookie') found.push(String(value))
  }
  return found
}

test.each(EventShapes)(
  '%s: the session cookie is HttpOnly, Secure, SameSite=Lax, host-only, Path=/; sign-out expires it alike',
  async (shape) => {
    const app = createFaultApp({ client, tables })
    const login = await invoke(
      app.handler,
      buildHttpEvent(shape, { method: 'POST', path: '/login', body: { userId: 'u' } }),
    )
    const [raw] = setCookies(login.response)
    const cookie = parseSetCookie(raw as string)
    expect(cookie).toMatchObject({ name: 'sid', httpOnly: true, secure: true, sameSite: 'lax', path: '/' })
    expect(cookie.domain).toBeUndefined() // host-only: a sibling subdomain never receives it
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/) // 256-bit id . HMAC-SHA256

    const logout = await invoke(
      app.handler,
      buildHttpEvent(shape, { method: 'POST', path: '/logout', cookies: [`sid=${cookie.value}`] }),
    )
    const expired = parseSetCookie(setCookies(logout.response)[0] as string)
    expect(expired).toMatchObject({
      name: 'sid',
      value: '',
      maxAge: 0,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      path: '/',
    })
  },
)
