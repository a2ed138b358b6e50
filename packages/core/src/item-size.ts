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
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/[^0-9]/g, '')
      .replace(/^0+/, '').length
    return Math.ceil(digits / 2) + 1
  }
  if (Array.isArray(value)) {
    let total = 3
    for (const element of value) total += 1 + estimateValueBytes(element)
    return total
  }
  if (typeof value === 'object') {
    let total = 3
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      total += 1 + Buffer.byteLength(key, 'utf8') + estimateValueBytes(member)
    }
    return total
  }
  return 0
}

/** DynamoDB's hard limit on one item: 400 KB. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024
