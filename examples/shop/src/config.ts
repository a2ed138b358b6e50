/**
 * What the session-using functions of the example apps share in one
 * container, set up once at cold start: the session options (the same
 * object goes to `sessionLoader`, `sessionSaver` and the authorizer) and
 * the idempotency store. The session API imports this too
 * (`example-shop/config`): both apps use one session store and one key
 * ring, so a session made by either is valid in both.
 *
 * `SESSION_STORE` (dynamodb, redis or cookie) picks the stores here and
 * nowhere else: the handlers are the same code on all three.
 *
 * Functions that need no session (the page, `/slow`, `/me`) don't import
 * it, so they neither read the secret nor need access to a store.
 */
import { isSealedSessionStore, type SessionOptions } from '@lambda-session/core'
import { logger } from './logger.js'
import { loadSessionSecrets, readSettings } from './settings.js'
import { createStores } from './stores.js'

export { logger }

export const settings = readSettings()

const stores = await createStores(settings, logger)

export const sessions: SessionOptions = {
  store: stores.sessionStore,
  secrets: await loadSessionSecrets(),
  cookie: { secure: settings.cookieSecure }, // HttpOnly, SameSite=Lax and Path=/ are the defaults
  logger,
}

export const idempotencyStore = stores.idempotencyStore

/**
 * Whether ending a session on the server ends it for every copy of its
 * cookie. True for DynamoDB and Redis; false for sealed cookies, where
 * `destroy()` can only tell this browser to drop its cookie and a copy kept
 * elsewhere opens the session until its idle timeout. Logout and
 * deactivation say which one happened.
 */
export const sessionsRevocable = !isSealedSessionStore(sessions.store)
