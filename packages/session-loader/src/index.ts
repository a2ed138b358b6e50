export * from './session-loader.js'
