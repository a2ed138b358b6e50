import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchSettings } from './bench-settings.ts'
import { ensureBuilt } from './ensure-built.ts'

/**
 * `pnpm bench [--quick]`. The full run writes BENCHMARKS.md at the
 * repository root; the quick smoke run writes under bench/dist/ so it never
 * replaces real numbers with meaningless ones.
 */
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const quick = values.quick ?? false
const reportPath = fileURLToPath(
  new URL(quick ? '../dist/BENCHMARKS.quick.md' : '../../BENCHMARKS.md', import.meta.url),
)

ensureBuilt()
// Imported only now: the scenarios load the packages' dist/, which ensureBuilt may just have written.
const { runAll } = await import('./run-all.ts')
await runAll(benchSettings(quick), reportPath)
