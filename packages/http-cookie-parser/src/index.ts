export * from './http-cookie-parser.js'
