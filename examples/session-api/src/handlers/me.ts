import middy from '@middy/core'
import { json } from 'example-shop/http'

interface AuthorizedEvent {
  requestContext?: {
    /** HTTP API puts a Lambda authorizer's context under `lambda`; REST puts it directly on `authorizer`. */
    authorizer?: { lambda?: { userId?: unknown } | null; userId?: unknown } | null
  }
}

/**
 * `GET /me`, behind the session authorizer: `{"userId"}`. API Gateway has
 * already checked the session cookie (the authorizer's one `GetItem`), so
 * this function needs no session middleware and no DynamoDB access at all.
 */
async function me(event: AuthorizedEvent) {
  const authorizer = event.requestContext?.authorizer
  const userId = authorizer?.lambda?.userId ?? authorizer?.userId
  // Only reachable without the authorizer in front (a misconfigured route): refuse rather than guess.
  if (typeof userId !== 'string') return json(401, { message: 'Not signed in.' })
  return json(200, { userId })
}

export const handler = middy(me)
