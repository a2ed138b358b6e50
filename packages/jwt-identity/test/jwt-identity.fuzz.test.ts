import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { EventShapes } from '@lambda-session/testing'
import { call, identityHandler } from './harness.js'
import {
  AUDIENCE,
  createSigningKey,
  ISSUER,
  type JwksServer,
  loopbackJwksCache,
  type SigningKey,
  signToken,
  startJwksServer,
} from './identity-provider.js'

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

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
// What breaks header and JWT parsers: separators, padding, quotes, controls, non-ASCII, lone surrogates.
const HOSTILE = [...BASE64URL, '.', '.', '=', ' ', '\t', '"', ',', ';', '\\', '{', '}', '\u0000', 'é', '\uD800', '😀']

let rsa: SigningKey
let idp: JwksServer
let handler: ReturnType<typeof identityHandler>
let valid: string
let validClaims: unknown

beforeAll(async () => {
  rsa = await createSigningKey('RS256', 'fuzz-rsa')
  idp = await startJwksServer([rsa.jwk])
  const options = { issuer: ISSUER, audience: AUDIENCE, jwksUri: idp.jwksUri, jwksCache: loopbackJwksCache() }
  handler = identityHandler({ ...options, from: ['authorization', { cookie: 'id_token' }] })
  valid = await signToken(rsa, { sub: 'fuzz-user', role: 'reader' })
  validClaims = JSON.parse((await call(handler, { bearer: valid })).body ?? '{}').identity.claims
})
afterAll(() => idp.close())

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T
}

/** One to three characters of the valid token changed, inserted or removed. */
function mutate(next: () => number, token: string): string {
  let chars = [...token]
  for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
    const at = Math.floor(next() * chars.length)
    const kind = next()
    if (kind < 0.6) chars[at] = pick(next, BASE64URL)
    else if (kind < 0.8) chars.splice(at, 0, pick(next, HOSTILE))
    else chars = chars.filter((_, index) => index !== at)
  }
  return chars.join('')
}

function garbage(next: () => number): string {
  let text = ''
  for (let i = Math.floor(next() * 120); i > 0; i--) text += pick(next, HOSTILE)
  return text
}

test('1500 mutated tokens: refused with 401, or accepted only with the original claims, in every shape', async () => {
  const next = random(0x7e57)
  const statuses = new Set<number>()
  for (let run = 0; run < 1500; run++) {
    const shape = pick(next, EventShapes)
    const token = mutate(next, valid)
    const response = await call(
      handler,
      next() < 0.5 ? { shape, bearer: token } : { shape, cookies: [`id_token=${token}`] },
    )
    statuses.add(response.statusCode)
    if (response.statusCode === 200) {
      // Base64 ignores a final character's spare bits, so some edits decode to the very same token.
      expect(JSON.parse(response.body ?? '{}').identity.claims).toEqual(validClaims)
    } else expect([token, response.statusCode]).toEqual([token, 401])
  }
  expect(statuses.has(401)).toBe(true)
})

test('1500 random Authorization headers and cookies: never a 5xx, never an identity', async () => {
  const next = random(0xbadc0de)
  const runsBefore = handler.runs.count
  for (let run = 0; run < 1500; run++) {
    const shape = pick(next, EventShapes)
    const text = garbage(next)
    const scheme = pick(next, ['Bearer ', 'bearer ', 'Bearer', 'Basic ', '', 'Bearer\t'])
    const response = await call(
      handler,
      next() < 0.6
        ? { shape, headers: { Authorization: `${scheme}${text}` } }
        : { shape, cookies: [`id_token=${text}`] },
    )
    expect([scheme, text, response.statusCode]).toEqual([scheme, text, 401])
  }
  expect(handler.runs.count).toBe(runsBefore)
})
