import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { BENCH_SECRET } from '../app/chains.ts'
import type { BenchSettings } from '../bench-settings.ts'
import { median } from '../load/run-load.ts'

/** The bundles, smallest first; each entry is a file in `src/cold-start/`. */
export const COLD_START_VARIANTS = [
  { name: 'plain function', entry: 'plain-function' },
  { name: 'bare Middy + http-error-handler', entry: 'bare-middy' },
  { name: 'bare Middy + DynamoDB client', entry: 'bare-middy-dynamodb-client' },
  { name: 'lambda-session full chain', entry: 'lambda-session-chain' },
  { name: 'Powertools idempotency', entry: 'powertools-idempotency' },
] as const

export interface ColdStartRow {
  variant: string
  bytes: number
  gzipBytes: number
  /** Median time of `await import(bundle)` in a fresh process: module loading and init code, AWS SDK included. */
  importMs: number
  /** Median wall time of the whole process, Node's own start-up included. */
  processMs: number
}

const outDir = fileURLToPath(new URL('../../dist/cold-start/', import.meta.url))

/** Minified ESM for Node 22 with the AWS SDK left out, as Lambda's runtime provides it. */
async function bundle(entry: string): Promise<string> {
  const outfile = `${outDir}${entry}.mjs`
  await build({
    entryPoints: [fileURLToPath(new URL(`../cold-start/${entry}.ts`, import.meta.url))],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: ['@aws-sdk/*'],
    // One tsconfig for every file: otherwise files under packages/ pick up the root tsconfig's `paths`
    // and the bundle mixes packages' sources with their builds.
    tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
    // CommonJS dependencies inside an ESM bundle still call `require` for Node built-ins.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'error',
  })
  return outfile
}

/** Imports the bundle in a fresh `node` and reports how long the import took and the process lived. */
function timeImport(file: string): Promise<{ importMs: number; processMs: number }> {
  const script = [
    'const started = performance.now()',
    `const mod = await import(${JSON.stringify(pathToFileURL(file).href)})`,
    'const importMs = performance.now() - started',
    "if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler')",
    'process.stdout.write(String(importMs))',
  ].join('\n')
  return new Promise((resolve, reject) => {
    const startedAt = performance.now()
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      // The region lets SDK clients be constructed; the secret lets the session middlewares start.
      env: { ...process.env, AWS_REGION: 'us-east-1', SESSION_SECRET: BENCH_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      const processMs = performance.now() - startedAt
      if (code !== 0) reject(new Error(`importing ${file} failed (${code}): ${stderr.slice(-500)}`))
      else resolve({ importMs: Number(stdout), processMs })
    })
  })
}

/**
 * Scenario 4: bundle size and import time of the handler with and without
 * our middlewares. The spawns go round-robin over the variants, so a busy
 * moment on the machine hits all of them, and the medians are reported.
 */
export async function runColdStart(settings: BenchSettings['coldStart']): Promise<ColdStartRow[]> {
  const files = await Promise.all(COLD_START_VARIANTS.map((variant) => bundle(variant.entry)))
  const samples = files.map(() => ({ importMs: [] as number[], processMs: [] as number[] }))
  // One unmeasured import each first: the measured ones then all read the files from a warm page cache.
  for (const file of files) await timeImport(file)
  for (let spawnIndex = 0; spawnIndex < settings.spawns; spawnIndex++) {
    for (const [index, file] of files.entries()) {
      const timing = await timeImport(file)
      samples[index]?.importMs.push(timing.importMs)
      samples[index]?.processMs.push(timing.processMs)
    }
  }
  return COLD_START_VARIANTS.map((variant, index) => {
    const code = readFileSync(files[index] as string)
    return {
      variant: variant.name,
      bytes: code.byteLength,
      gzipBytes: gzipSync(code).byteLength,
      importMs: median(samples[index]?.importMs ?? []),
      processMs: median(samples[index]?.processMs ?? []),
    }
  })
}
