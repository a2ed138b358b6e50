import { type ChildProcess, spawn } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Port to listen on. @default a free loopback port picked at start */
  port?: number
  /** The server executable: `redis-server`, or `valkey-server` for Valkey. @default 'redis-server' (from PATH) */
  executable?: string
  /** How long to wait for the server to answer `PING`. @default 10000 */
  startTimeoutMs?: number
  /** Extra command-line arguments, e.g. `['--maxmemory', '8mb']`. @default [] */
  extraArgs?: string[]
}

/** A running `redis-server` started by {@link startRedisServer}. */
export interface RedisServer {
  /** Always `127.0.0.1`: the server listens on loopback only. */
  host: string
  /** The port it listens on. */
  port: number
  /** `redis://127.0.0.1:<port>`. */
  url: string
  /** The server's process id. */
  pid: number
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>
}

/** A port the OS says is free on loopback right now. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Whether a Redis server answers `PING` on the port (a password-protected one answers `NOAUTH`: up too). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(/^(\+PONG|-NOAUTH)/.test(reply))
    })
    socket.once('error', () => done(false))
  })
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** What `redis-server` and `valkey-server` log once they listen. */
const READY_LINE = /Ready to accept connections/

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One start attempt on one port; rejects when the process exits or never answers. */
async function startOn(port: number, options: StartRedisServerOptions): Promise<RedisServer> {
  const executable = options.executable ?? 'redis-server'
  // In memory only and on loopback only: nothing is written to disk, nothing is reachable from outside.
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    ...(options.extraArgs ?? []),
  ]
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let logsReady = false
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000)
    // Another server may answer PING on a port this one failed to bind: only our own log line says ours is up.
    logsReady ||= READY_LINE.test(output)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `Could not start ${executable} (${error.message}). Install it: sudo apt-get install -y redis-server (Debian/Ubuntu).`,
        ),
      ),
    )
    child.once('exit', (code, signal) =>
      reject(new Error(`${executable} exited (${code ?? signal}) before it was ready: ${output.trim()}`)),
    )
  })
  failed.catch(() => {}) // raced below; keeps a late rejection from going unhandled

  // A test process that ends without stop() (a failed setup, a crashed worker) still takes its server along.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = waitForExit(child)
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
  let gaveUp = false
  const ready = (async () => {
    while (!logsReady || !(await answersPing(port))) {
      // The process failed (the race below has its reason): stop polling, or the timers keep Node alive.
      if (gaveUp) return
      if (Date.now() > deadline) throw new Error(`${executable} did not answer PING on port ${port} in time: ${output}`)
      await sleep(25)
    }
  })()
  try {
    await Promise.race([ready, failed])
  } catch (error) {
    gaveUp = true
    await stop()
    throw error
  }
  // The test output would otherwise fill with the server's log.
  child.stdout?.removeListener('data', keep)
  child.stdout?.resume()
  // A forgotten server must not keep the test process alive: it ends with it (killOnExit).
  child.unref()
  for (const pipe of [child.stdout, child.stderr]) (pipe as Socket | null)?.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error(`${executable} started without a process id`)
  return { host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}`, pid, stop }
}

/**
 * Starts a throwaway `redis-server` (or `valkey-server`) for tests: in
 * memory (`--save '' --appendonly no`), bound to 127.0.0.1 on a free port,
 * ready once it answers `PING`. Stop it with `stop()`, which ends exactly
 * this process. Needs the server binary on PATH (Debian: `apt-get install
 * redis-server`; don't enable its system service, tests start their own).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { startRedisServer } from '@lambda-session/redis-store/testing'
 *
 * const server = await startRedisServer()
 * const client = new Redis(server.port, server.host)
 * // … tests …
 * client.disconnect()
 * await server.stop()
 * ```
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  if (options.port !== undefined) return startOn(options.port, options)
  // A free port can be taken between the check and the server's bind: try another one.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(await findFreePort(), options)
    } catch (error) {
      lastError = error
      if (!/Address already in use/i.test(String((error as Error).message))) throw error
    }
  }
  throw lastError
}
