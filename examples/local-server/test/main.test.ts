import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from '@jest/globals'
import { startLocalServer } from '../src/harness.js'

/** `pnpm start` itself: what it starts, prints and stops. */
const serveScript = fileURLToPath(new URL('../bin/serve.mjs', import.meta.url))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Runs the server to completion (for the cases where it refuses to start). */
async function runToExit(env: Record<string, string>) {
  const child = spawn(process.execPath, [serveScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const [code] = (await once(child, 'exit')) as [number]
  return { code, stdout, stderr }
}

describe('the local server process', () => {
  test('starts its own DynamoDB Local, prints one line with the URL, and stops it all on SIGTERM', async () => {
    const server = await startLocalServer({ env: { DYNAMODB_ENDPOINT: '' } })
    try {
      const lines = server.output().trim().split('\n')
      expect(lines.filter((line) => line.includes('http://'))).toEqual([
        expect.stringMatching(/^lambda-session examples on http:\/\/127\.0\.0\.1:\d+\/ \(.*DynamoDB Local/),
      ])
      const children = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(server.pid)], { encoding: 'utf8' })
      const java = children.stdout.split('\n').find((line) => line.includes('DynamoDBLocal.jar'))
      expect(java).toBeDefined()
      const javaPid = Number(java?.trim().split(/\s+/)[0])
      expect((await fetch(`${server.url}/cart`)).status).toBe(200)

      await server.stop()
      expect(alive(server.pid)).toBe(false)
      expect(alive(javaPid)).toBe(false)
    } finally {
      await server.stop()
    }
  }, 90_000)

  test('SESSION_STORE=redis without REDIS_URL: starts its own redis-server, no Java, stops it on SIGTERM', async () => {
    const noJava = mkdtempSync(join(tmpdir(), 'no-java-')) // Redis needs no DynamoDB Local: prove it by having no java
    const server = await startLocalServer({
      env: { SESSION_STORE: 'redis', REDIS_URL: '', DYNAMODB_ENDPOINT: '', PATH: `${noJava}:/usr/bin:/bin` },
    })
    try {
      expect(server.output()).toMatch(/on http:\/\/127\.0\.0\.1:\d+\/ \(.*Redis \(a redis-server on port \d+\)/)
      const children = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(server.pid)], { encoding: 'utf8' })
      const redis = children.stdout.split('\n').find((line) => line.includes('redis-server'))
      expect(redis).toContain('127.0.0.1')
      expect(children.stdout).not.toContain('DynamoDBLocal.jar')
      const redisPid = Number(redis?.trim().split(/\s+/)[0])
      const login = await fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"userId":"ada"}',
      })
      expect(login.status).toBe(200)

      await server.stop()
      expect(alive(server.pid)).toBe(false)
      expect(alive(redisPid)).toBe(false)
    } finally {
      await server.stop()
    }
  }, 90_000)

  test('without Java it says, in one line, how to install it', async () => {
    const noJava = mkdtempSync(join(tmpdir(), 'no-java-')) // a PATH with nothing on it
    const { code, stdout, stderr } = await runToExit({ DYNAMODB_ENDPOINT: '', PATH: noJava })
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringContaining('sudo apt-get install -y openjdk-17-jre-headless'),
    ])
  })

  test('a port in use, a bad EVENT_FORMAT or SESSION_STORE: one line saying what to change', async () => {
    const blocker = createServer()
    blocker.listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const port = String((blocker.address() as { port: number }).port)
    try {
      const taken = await runToExit({ PORT: port, LOG_LEVEL: 'error', SESSION_SECRET: 'x'.repeat(40) })
      expect(taken.code).toBe(1)
      expect(taken.stderr.trim().split('\n')).toEqual([expect.stringContaining(`127.0.0.1:${port}`)])
    } finally {
      blocker.close()
    }
    const format = await runToExit({ EVENT_FORMAT: 'v3' })
    expect(format.code).toBe(1)
    expect(format.stderr.trim()).toBe('EVENT_FORMAT must be v2 (HTTP API) or v1 (REST), got v3.')
    const store = await runToExit({ SESSION_STORE: 'memcached' })
    expect(store.code).toBe(1)
    expect(store.stderr.trim()).toBe('SESSION_STORE must be one of dynamodb, redis, cookie; got "memcached".')
  }, 60_000)
})
