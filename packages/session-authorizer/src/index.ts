export * from './authorizer-events.js'
export * from './session-authorizer.js'
