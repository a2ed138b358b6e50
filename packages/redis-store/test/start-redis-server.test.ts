import { connect } from 'node:net'
import { expect, test } from '@jest/globals'
import { Redis } from 'ioredis'
import { startRedisServer } from '../src/testing/index.js'

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

test('starts an in-memory server on a free loopback port and stops exactly that process', async () => {
  const [first, second] = await Promise.all([startRedisServer(), startRedisServer()])
  try {
    expect(first.port).not.toBe(second.port)
    expect(first.url).toBe(`redis://127.0.0.1:${first.port}`)
    const client = new Redis(first.url)
    expect(await client.config('GET', 'save')).toEqual(['save', ''])
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no'])
    expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1'])
    client.disconnect()

    await first.stop()
    expect(isAlive(first.pid)).toBe(false)
    expect(await accepts(first.port)).toBe(false)
    expect(isAlive(second.pid)).toBe(true)
    await first.stop() // a second stop is harmless
  } finally {
    await first.stop()
    await second.stop()
  }
  expect(isAlive(second.pid)).toBe(false)
})

test('passes extra arguments through', async () => {
  const server = await startRedisServer({ extraArgs: ['--maxmemory', '8mb'] })
  const client = new Redis(server.url)
  try {
    expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', String(8 * 1024 * 1024)])
  } finally {
    client.disconnect()
    await server.stop()
  }
})

test('a missing executable or a taken port fails with a message that says what to do', async () => {
  await expect(startRedisServer({ executable: 'no-such-redis-server' })).rejects.toThrow(
    /apt-get install -y redis-server/,
  )
  const server = await startRedisServer()
  try {
    await expect(startRedisServer({ port: server.port })).rejects.toThrow(/exited/)
  } finally {
    await server.stop()
  }
})
