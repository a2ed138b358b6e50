import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderReliability } from './render-reliability.js'

/** One section of RELIABILITY.md: what a suite measured, as label/value rows. */
export interface FigureSection {
  /** File name of the fragment and sort key, e.g. `10-outage-crash`. */
  id: string
  title: string
  /** The command that regenerates it. */
  command: string
  /** What was done, in one or two sentences. */
  setup: string
  rows: [label: string, value: string | number][]
}

const root = new URL('../../', import.meta.url).pathname
const figuresDir = join(root, 'test-faults', 'figures')

/** Every fragment recorded so far, in id order. */
export function readFigureSections(): FigureSection[] {
  return readdirSync(figuresDir)
    .filter((name) => name.endsWith('.json') && !name.includes('.next.'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(figuresDir, name), 'utf8')) as FigureSection)
}

/**
 * Writes `text` to `target` the way `pnpm lint` wants it: through Biome's
 * formatter (it aligns Markdown tables and lays out JSON), into a temporary
 * file that is then renamed, so two Jest workers never leave a half-written
 * file and a generated file never fails the lint.
 */
function writeFormatted(target: string, text: string, extension: 'json' | 'md'): void {
  const next = `${target}.next.${extension}`
  writeFileSync(next, text)
  const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome')
  const formatted = spawnSync(process.execPath, [biome, 'format', '--write', next], { cwd: root, encoding: 'utf8' })
  if (formatted.status !== 0) throw new Error(`biome format failed on ${next}: ${formatted.stderr || formatted.stdout}`)
  renameSync(next, target)
}

/**
 * Stores one suite's figures and regenerates RELIABILITY.md from every
 * suite's latest figures, so running any one suite refreshes its part and
 * keeps the others'.
 */
export function recordFigures(section: FigureSection): void {
  mkdirSync(figuresDir, { recursive: true })
  writeFormatted(join(figuresDir, `${section.id}.json`), `${JSON.stringify(section, null, 2)}\n`, 'json')
  writeFormatted(join(root, 'RELIABILITY.md'), renderReliability(readFigureSections()), 'md')
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

/** `{ '200': 12, '503': 30 }` as `200 × 12, 503 × 30`. */
export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0)
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} × ${n}`).join(', ')
}
