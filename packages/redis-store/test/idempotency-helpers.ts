// The records the guard builds, from the testing package (shared with the DynamoDB store's tests and the conformance suite).
export {
  inProgressIdempotencyRecord as inProgressRecord,
  newIdempotencyKeyHash as newKeyHash,
  newLockToken,
} from '@lambda-session/testing'
