export {
  hasInvocationTimedOut,
  type InvocationTimeout,
  type InvocationTimeoutHook,
  invocationSignal,
  onInvocationTimeout,
} from '@lambda-session/core'
export { InvocationTimedOutError } from './errors.js'
export { executionModeTimeoutWatchdog } from './execution-mode.js'
export {
  type TimeoutWatchdogOptions,
  timeoutResponse,
  timeoutWatchdogDefaults,
  type WatchdogRequest,
} from './options.js'
export type { HookOutcome } from './run-hooks.js'
export { timeoutWatchdog } from './timeout-watchdog.js'
