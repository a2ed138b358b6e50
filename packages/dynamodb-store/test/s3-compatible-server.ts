import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'

/** A running S3-compatible server (s3rver) on loopback, with its buckets made. */
export interface S3CompatibleServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string
  /** The server's process id. */
  pid: number
  /** A path-style client for it with the credentials it accepts. */
  client(): S3Client
  /** Stops the server (by pid), waits for it to exit and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>
}

/** What s3rver accepts as credentials (it checks signatures). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/**
 * An S3 client for `endpoint`: path-style addressing (s3rver serves no
 * virtual-host buckets on loopback) and fixed test credentials.
 */
export function s3ClientFor(endpoint: string, config: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    maxAttempts: config.maxAttempts ?? 2,
  })
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts s3rver (the npm package, a Koa S3 emulator) in a child process on
 * 127.0.0.1 and a port the OS picks, with `buckets` created and its data in
 * a fresh temporary directory. Resolves once it says it listens.
 */
export async function startS3CompatibleServer(buckets: string[], startTimeoutMs = 20_000): Promise<S3CompatibleServer> {
  const require = createRequire(import.meta.url)
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js')
  const directory = await mkdtemp(join(tmpdir(), 'lambda-session-s3-'))
  const args = [
    bin,
    '--directory',
    directory,
    '--address',
    '127.0.0.1',
    '--port',
    '0',
    '--silent',
    '--no-vhost-buckets',
  ]
  for (const bucket of buckets) args.push('--configure-bucket', bucket)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`s3rver did not start within ${startTimeoutMs} ms: ${output}`))
    }, startTimeoutMs)
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2000)
      const match = /listening on [\d.]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`s3rver exited with code ${code} before it was ready: ${output}`))
    })
  })
  child.removeAllListeners('exit')
  child.stdout?.removeAllListeners('data')
  child.stderr?.removeAllListeners('data')
  child.stdout?.resume()
  child.stderr?.resume()

  const endpoint = `http://127.0.0.1:${port}`
  let stopping: Promise<void> | undefined
  return {
    endpoint,
    pid: child.pid as number,
    client: () => s3ClientFor(endpoint),
    stop() {
      stopping ??= (async () => {
        const exited = waitForExit(child)
        process.kill(child.pid as number, 'SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
        await rm(directory, { recursive: true, force: true })
      })()
      return stopping
    },
  }
}
