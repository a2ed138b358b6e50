/**
 * Estimates how many bytes DynamoDB bills and limits for a JSON value, after
 * its item-size rules: UTF-8 length of strings and attribute names, about one
 * byte per two significant digits of a number plus one, one byte for booleans
 * and null, three bytes of overhead per list or map plus one per element.
 * Errs slightly high, so a check against it fails before DynamoDB would.
 */
export function estimateValueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (typeof value === 'number') return Math.ceil(significantDigits(value) / 2) + 1
  if (Array.isArray(value)) {
    let total = 3
    for (const element of value) total += 1 + estimateValueBytes(element)
    return total
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    let total = 3
    // Keys, not entries: this runs on every session write, and entries allocate a pair per member.
    for (const key of Object.keys(record)) total += 1 + Buffer.byteLength(key, 'utf8') + estimateValueBytes(record[key])
    return total
  }
  return 0
}

/**
 * Digits of a number, never fewer than DynamoDB counts as significant: for
 * integers below 2^53 (the usual counters and ids) counted without building
 * a string; for other numbers, the length of their shortest decimal spelling.
 */
function significantDigits(value: number): number {
  let rest = Math.abs(value)
  if (!Number.isSafeInteger(rest)) return String(rest).length
  let digits = 0
  for (; rest >= 1; rest = Math.floor(rest / 10)) digits++
  return digits
}

/** DynamoDB's hard limit on one item: 400 KB. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024
