export * from './session-saver.js'
