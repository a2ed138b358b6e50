import {
  ConfigurationError,
  type SealedSessionStore,
  type SessionRecord,
  type SessionUpdate,
} from '@lambda-session/core'
import { CookieSealer } from './cookie-sealer.js'
import { type CookieSessionStoreOptions, checkMaxCookieBytes, cookieStoreDefaults } from './cookie-store-options.js'

const PACKAGE_NAME = '@lambda-session/cookie-store'

/**
 * A session store with no server state: the whole session (data, owner,
 * creation and last-seen times) is sealed into the session cookie with
 * AES-256-GCM, keyed by the session options' `secrets` (the first seals,
 * all unseal). `sessionLoader` opens it with no database read and
 * `sessionSaver` seals it again when something changed; handlers use the
 * same `context.session` as with any other store.
 *
 * The trade-offs of keeping nothing on a server: `destroy()` only tells the
 * browser to drop its cookie (a copy kept elsewhere stays valid until it
 * expires), nothing can revoke a user's sessions, and of two concurrent
 * requests the response the browser receives last wins. A session must fit
 * in a 4 KB cookie.
 *
 * @example
 * ```ts
 * import { CookieSessionStore } from '@lambda-session/cookie-store'
 *
 * const sessions = { store: new CookieSessionStore(), secrets: [process.env.SESSION_SECRET] }
 * export const handler = middy(app).use(sessionLoader(sessions)).use(sessionSaver(sessions))
 * ```
 */
export class CookieSessionStore implements SealedSessionStore {
  /** Marks the store as sealed: the middlewares seal and unseal instead of calling the methods below. */
  readonly sealed = true as const
  /** The largest `Set-Cookie` line the store sends, in bytes. */
  readonly maxCookieBytes: number

  /** @param options - size limit @default {} */
  constructor(options: CookieSessionStoreOptions = {}) {
    // Checked now, not at the first request: a bad limit is a deploy-time mistake.
    this.maxCookieBytes = checkMaxCookieBytes(
      options.maxCookieBytes ?? cookieStoreDefaults.maxCookieBytes,
      PACKAGE_NAME,
    )
  }

  /** The sealer `resolveSessionOptions` builds once per options object, keyed by its `secrets`. */
  createSealer(secrets: readonly (string | undefined)[], packageName = PACKAGE_NAME): CookieSealer {
    return new CookieSealer(secrets, { maxCookieBytes: this.maxCookieBytes, packageName })
  }

  /** Throws: a sealed session is read from its cookie by `sessionLoader`, never by id. */
  async load(_idHash: string): Promise<SessionRecord | undefined> {
    throw noServerState('load a session by id')
  }

  /** Throws: `sessionSaver` seals new sessions into the cookie. */
  async create(_record: SessionRecord): Promise<void> {
    throw noServerState('create a session')
  }

  /** Throws: `sessionSaver` seals changes into the cookie. */
  async update(_idHash: string, _update: SessionUpdate): Promise<void> {
    throw noServerState('update a session')
  }

  /** Throws: `sessionSaver` seals a regenerated session into a new cookie. */
  async replace(_oldIdHash: string, _record: SessionRecord): Promise<void> {
    throw noServerState('replace a session')
  }

  /** Throws: `session.destroy()` expires the cookie; no server copy exists to delete. */
  async destroy(_idHash: string): Promise<void> {
    throw noServerState('destroy a session by id')
  }

  /** Throws rather than resolve 0: a "log out everywhere" that silently revokes nothing would be a security bug. */
  async destroyUserSessions(_userId: string): Promise<number> {
    throw noServerState("revoke a user's sessions")
  }
}

function noServerState(what: string): ConfigurationError {
  return new ConfigurationError(
    `CookieSessionStore can't ${what}: each session lives sealed in its own cookie and nowhere else. ` +
      'Use it through sessionLoader and sessionSaver; for server-side revocation use a server-side store ' +
      '(e.g. DynamoDBSessionStore).',
    { package: PACKAGE_NAME },
  )
}
