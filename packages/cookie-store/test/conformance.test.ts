import { CookieSessionStore } from '@lambda-session/cookie-store'
import { describeSessionMiddlewareConformance } from '@lambda-session/testing'

// The parts of the conformance suite a stateless store can meet: every
// round trip, bad cookie, expiry, rotation, regenerate and destroy test runs
// through the real loader and saver. `stateless: true` leaves out the tests
// that need server state (revoking copied cookies, destroyUserSessions,
// merging parallel requests, the same-key 409, refusing a late write after
// destroy): a sealed cookie can't do those, by design (see the README).
// The store-level SessionStore suite doesn't apply at all: this store has
// no records to load, update or replace by id hash.

describeSessionMiddlewareConformance('CookieSessionStore', {
  createStore: () => ({ store: new CookieSessionStore() }),
  stateless: true,
})
