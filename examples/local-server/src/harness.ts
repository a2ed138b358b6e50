import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

/** A local server running as a child process, for tests. */
export interface RunningLocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  pid: number
  /** Everything it printed so far (stdout and stderr), to show when a test fails. */
  output(): string
  /** Stops it by its process id (SIGTERM, SIGKILL after 5 s) and waits for the exit. Safe to call twice. */
  stop(): Promise<void>
}

export interface StartLocalServerOptions {
  /** Extra environment, e.g. `{ EVENT_FORMAT: 'v1' }`. */
  env?: Record<string, string>
  /** @default 60000 */
  startTimeoutMs?: number
}

const serveScript = fileURLToPath(new URL('../bin/serve.mjs', import.meta.url))

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts `bin/serve.mjs` on a free port (PORT=0) and resolves once it prints
 * its URL. It uses the DynamoDB Local of the test run (`DYNAMODB_ENDPOINT`)
 * and tables of its own, so servers of parallel test files never share data.
 */
export async function startLocalServer(options: StartLocalServerOptions = {}): Promise<RunningLocalServer> {
  const suffix = randomBytes(4).toString('hex')
  const child = spawn(process.execPath, [serveScript], {
    env: {
      ...process.env,
      PORT: '0',
      SESSION_TABLE: `example-sessions-${suffix}`,
      IDEMPOTENCY_TABLE: `example-idempotency-${suffix}`,
      SESSION_SECRET: 'local-server-test-secret-0123456789abcdef',
      LOG_LEVEL: 'error',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let printed = ''
  const collect = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      const done = exited(child)
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await done
      clearTimeout(timer)
    })()
    return stopping
  }

  const timeoutMs = options.startTimeoutMs ?? 60_000
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms`)), timeoutMs)
      const watch = () => {
        const found = /http:\/\/127\.0\.0\.1:\d+/.exec(printed)
        if (found) {
          clearTimeout(timer)
          resolve(found[0])
        }
      }
      child.stdout?.on('data', watch)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`exited with ${code}`))
      })
    })
    return { url, pid: child.pid as number, output: () => printed, stop }
  } catch (error) {
    await stop()
    throw new Error(`The local server did not start (${(error as Error).message}):\n${printed}`)
  }
}
