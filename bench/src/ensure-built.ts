import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The packages the benchmarks import; they run from `dist/`, as users get them. */
const PACKAGES = [
  'core',
  'http-cookie-parser',
  'session-loader',
  'session-saver',
  'idempotency-guard',
  'timeout-watchdog',
  'dynamodb-store',
  'redis-store',
  'cookie-store',
  'testing',
]

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url))

function newestSourceMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Packages whose `dist/` is missing or older than their sources. */
export function stalePackages(): string[] {
  return PACKAGES.filter((name) => {
    const entry = join(packagesDir, name, 'dist', 'index.js')
    if (!existsSync(entry)) return true
    return newestSourceMs(join(packagesDir, name, 'src')) > statSync(entry).mtimeMs
  })
}

/**
 * Benchmarking stale builds would measure old code: rebuild first when any
 * source is newer than its build, so `pnpm bench` alone is enough on a
 * fresh clone and after edits.
 */
export function ensureBuilt(): void {
  const stale = stalePackages()
  if (stale.length === 0) return
  console.log(`Building first (${stale.join(', ')} out of date): pnpm build`)
  const result = spawnSync('pnpm', ['build'], { stdio: 'inherit', cwd: join(packagesDir, '..') })
  if (result.status !== 0) throw new Error('pnpm build failed; the benchmarks need the built packages.')
}
