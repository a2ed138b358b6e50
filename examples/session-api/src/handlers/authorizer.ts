import { sessionAuthorizer } from '@lambda-session/session-authorizer'
import { sessions } from 'example-shop/config'

/**
 * The API's Lambda REQUEST authorizer (HTTP API, payload 2.0, simple
 * responses): a request passes only with the `sid` cookie of a live,
 * signed-in session; the route's function gets the user id in
 * `requestContext.authorizer.lambda.userId`. Same options object as the
 * session middlewares: same store, same key ring.
 */
export const handler = sessionAuthorizer(sessions)
