import {
  describeIdempotencyStoreConformance,
  describeSessionMiddlewareConformance,
  describeSessionStoreConformance,
} from '@lambda-session/testing'
import { InMemoryIdempotencyStore, InMemorySessionStore } from './in-memory-stores.js'

// The suites against the smallest correct stores: they must hold for any
// database, not only for the DynamoDB store they grew up with (which runs
// them in packages/dynamodb-store/test/conformance.test.ts).

describeSessionStoreConformance('InMemorySessionStore', { createStore: () => ({ store: new InMemorySessionStore() }) })

describeSessionMiddlewareConformance('InMemorySessionStore', {
  createStore: () => ({ store: new InMemorySessionStore() }),
})

describeIdempotencyStoreConformance('InMemoryIdempotencyStore', {
  createStore: () => ({ store: new InMemoryIdempotencyStore() }),
})
