import { Agent, createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpResponse } from '@lambda-session/core'
import { SimpleFetcher } from 'aws-jwt-verify/https'
import { SimpleJwksCache } from 'aws-jwt-verify/jwk'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'

/** A signing key as an identity provider holds it: the private half signs, the public half is in the JWKS. */
export interface SigningKey {
  kid: string
  alg: 'RS256' | 'ES256'
  privateKey: CryptoKey
  jwk: JWK
}

export async function createSigningKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, jwk }
}

/**
 * A JWKS endpoint on 127.0.0.1 (a free port), counting every fetch so tests
 * can prove the cache. `keys` can be swapped (rotation) and `status` set to
 * make it fail.
 */
export interface JwksServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** `${origin}/.well-known/jwks.json` */
  jwksUri: string
  /** Paths fetched, in order. */
  readonly fetches: string[]
  keys: JWK[]
  /** Answer with this status instead of the JWKS (200 = normal). */
  status: number
  close(): Promise<void>
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let server: Server | undefined
  const state = {
    fetches: [] as string[],
    keys,
    status: 200,
  }
  server = createServer((request, response) => {
    state.fetches.push(request.url ?? '')
    if (state.status !== 200 || !request.url?.endsWith('/.well-known/jwks.json')) {
      response.writeHead(state.status === 200 ? 404 : state.status).end()
      return
    }
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: state.keys }))
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    jwksUri: `${origin}/.well-known/jwks.json`,
    get fetches() {
      return state.fetches
    },
    get keys() {
      return state.keys
    },
    set keys(value) {
      state.keys = value
    },
    get status() {
      return state.status
    },
    set status(value) {
      state.status = value
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server?.closeAllConnections()
        server?.close((error) => (error ? reject(error) : resolve()))
        server = undefined
      }),
  }
}

/**
 * aws-jwt-verify's own `SimpleJwksCache` and `SimpleFetcher` (its timeouts,
 * retry, status and JWKS checks), with one change: a plain-HTTP agent, as the
 * loopback server has no certificate. `rewrite` maps the URI the verifier
 * asks for (Cognito's is fixed to amazonaws.com) to the loopback server.
 */
export function loopbackJwksCache(rewrite: (uri: string) => string = (uri) => uri): SimpleJwksCache {
  const agent = new Agent({ keepAlive: false })
  const fetcher = new SimpleFetcher({ defaultRequestOptions: { agent, responseTimeout: 1000 } })
  return new SimpleJwksCache({
    fetcher: { fetch: (uri, requestOptions, data) => fetcher.fetch(rewrite(uri), requestOptions, data) },
  })
}

export const ISSUER = 'https://idp.example.test/'
export const AUDIENCE = 'https://api.example.test'

/** Signs `claims` (with sensible defaults: our issuer and audience, 5 minutes' validity) with `key`. */
export async function signToken(key: SigningKey, claims: JWTPayload = {}, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey)
}

const base64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** An unsigned token (`alg: none`), with or without a `kid` the JWKS knows. */
export function unsignedToken(claims: JWTPayload, kid?: string): string {
  const now = Math.floor(Date.now() / 1000)
  const header = kid === undefined ? { alg: 'none', typ: 'JWT' } : { alg: 'none', typ: 'JWT', kid }
  return `${base64url(header)}.${base64url({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', exp: now + 300, ...claims })}.`
}

/** The token with its payload replaced (the signature kept): what an attacker editing claims sends. */
export function withPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  change(claims)
  return `${header}.${base64url(claims)}.${signature}`
}

/** The header value of a response, whatever its case. */
export function headerOf(response: HttpResponse, name: string): string | undefined {
  for (const [key, value] of Object.entries(response.headers ?? {})) {
    if (key.toLowerCase() === name.toLowerCase()) return String(value)
  }
  return undefined
}
