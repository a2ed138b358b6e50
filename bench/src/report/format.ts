/**
 * A Markdown table with its columns padded to one width, the way the
 * repository's formatter (Biome) lays tables out, so `pnpm lint` accepts
 * the generated report as it is. Cells are already formatted text.
 */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: string[]) =>
    `| ${cells
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return align[column] === 'r' ? cell.padStart(width) : cell.padEnd(width)
      })
      .join(' | ')} |`
  const rule = widths.map((width, column) => (align[column] === 'r' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)))
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n')
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/** Microseconds with one decimal; milliseconds with two. */
export const us = (value: number): string => fixed(value, 1)
export const ms = (value: number): string => fixed(value, 2)

/** A ratio as `0.87×`. */
export const ratio = (value: number): string => `${fixed(value, 2)}×`

/** A signed difference, e.g. `+12.3`. */
export const delta = (value: number, digits = 1): string => `${value >= 0 ? '+' : ''}${fixed(value, digits)}`

export function bytes(value: number): string {
  if (value < 1024) return `${value} B`
  if (value < 1024 * 1024) return `${fixed(value / 1024, 1)} KB`
  return `${fixed(value / 1024 / 1024, 2)} MB`
}

/** Per-request averages: whole numbers stay whole, anything else shows two decimals. */
export function perRequest(value: number): string {
  return Number.isInteger(value) ? String(value) : fixed(value, 2)
}
