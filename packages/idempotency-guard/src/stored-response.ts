import { type HttpResponse, toStructuredResponse } from '@lambda-session/core'

/** The response fields that are stored and replayed, and nothing else. */
const STORED_FIELDS = ['statusCode', 'headers', 'multiValueHeaders', 'cookies', 'body', 'isBase64Encoded'] as const

/** The header every replay carries. */
export const REPLAYED_HEADER = 'Idempotent-Replayed'

/** The response as the client will see it, in the JSON text that is stored. */
export function serializeResponse(response: unknown): { structured: HttpResponse; text: string } {
  // Replays always carry a headers object (for the marker), so the first answer gets one too.
  const structured = toStructuredResponse(response)
  structured.headers ??= {}
  // The text `JSON.stringify` would give for an object of the kept fields, written out without that object.
  let text = ''
  for (const field of STORED_FIELDS) {
    const value = structured[field]
    const json = value === undefined ? undefined : JSON.stringify(value)
    if (json !== undefined) text += `${text === '' ? '{' : ','}"${field}":${json}`
  }
  return { structured, text: text === '' ? '{}' : `${text}}` }
}

/** A stored response, rebuilt, with `Idempotent-Replayed: true`. */
export function replayResponse(text: string): HttpResponse {
  const response = JSON.parse(text) as HttpResponse
  response.headers = { ...response.headers, [REPLAYED_HEADER]: 'true' }
  return response
}
