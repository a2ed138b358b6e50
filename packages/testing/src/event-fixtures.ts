import { readFileSync } from 'node:fs'

/**
 * The event shapes {@link buildHttpEvent} can build. Function URLs share
 * HTTP API's payload format 2.0 but start from a Function URL capture, so
 * they are listed on their own.
 *
 * @example
 * ```ts
 * test.each(EventShapes)('reads the session cookie from %s', (shape) => {
 *   const event = buildHttpEvent(shape, { cookies: { sid: value } })
 * })
 * ```
 */
export const EventShapes = ['rest-api-v1', 'http-api-v2', 'alb', 'alb-multi-value', 'function-url'] as const

/**
 * One of {@link EventShapes}.
 *
 * @example
 * ```ts
 * const shape: EventShapeName = process.env.EVENT_FORMAT === 'v1' ? 'rest-api-v1' : 'http-api-v2'
 * ```
 */
export type EventShapeName = (typeof EventShapes)[number]

/** The capture each shape starts from, under `fixtures/aws-events/`. */
const fixtureFiles: Record<EventShapeName, string> = {
  'rest-api-v1': 'apigw-rest/no-auth.json',
  'http-api-v2': 'apigw-http/no-auth.json',
  alb: 'alb/base.json',
  'alb-multi-value': 'alb/multi-fields.json',
  'function-url': 'function-url/base.json',
}

const loaded = new Map<EventShapeName, Record<string, unknown>>()

/**
 * A fresh deep copy of the real AWS capture a shape starts from. The path is
 * resolved from this module, so it works from `src/` (tests) and from `dist/`
 * (the published package ships `fixtures/` beside both).
 *
 * @example
 * ```ts
 * const event = loadEventFixture('alb') // the ALB capture, untouched
 * ```
 */
export function loadEventFixture(shape: EventShapeName): Record<string, unknown> {
  let fixture = loaded.get(shape)
  if (!fixture) {
    const file = fixtureFiles[shape]
    if (!file) {
      throw new TypeError(`Unknown event shape '${String(shape)}'; use one of: ${EventShapes.join(', ')}.`)
    }
    const url = new URL(`../fixtures/aws-events/${file}`, import.meta.url)
    fixture = JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>
    loaded.set(shape, fixture)
  }
  return structuredClone(fixture)
}
