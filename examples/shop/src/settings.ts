/**
 * What the example apps read from the environment. SAM sets these on every
 * function (see `template.yaml`); the local server sets them before it loads
 * a handler.
 */
export interface ExampleSettings {
  /** `SESSION_TABLE` @default 'lambda-session-examples-sessions' */
  sessionTable: string
  /** `IDEMPOTENCY_TABLE` @default 'lambda-session-examples-idempotency' */
  idempotencyTable: string
  /** `COOKIE_SECURE=false` drops the cookie's `Secure` flag, for plain-http clients other than browsers. @default true */
  cookieSecure: boolean
  /** `DYNAMODB_ENDPOINT`, e.g. DynamoDB Local's `http://127.0.0.1:8000`. @default the AWS endpoint of the region */
  dynamodbEndpoint: string | undefined
  /** `LOG_LEVEL`: debug, info, warn or error. @default 'info' */
  logLevel: LogLevel
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

/** One of the levels the apps' logger filters by. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * Anyone can read this: it only exists so `pnpm start` works with nothing
 * set. A deployed function refuses to start with it (see {@link loadSessionSecrets}).
 */
export const DEV_SESSION_SECRET = 'lambda-session-examples-local-development-secret'

/** Reads the settings; unknown or empty values fall back to the defaults. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): ExampleSettings {
  const level = env.LOG_LEVEL?.toLowerCase()
  return {
    sessionTable: env.SESSION_TABLE || 'lambda-session-examples-sessions',
    idempotencyTable: env.IDEMPOTENCY_TABLE || 'lambda-session-examples-idempotency',
    cookieSecure: env.COOKIE_SECURE?.toLowerCase() !== 'false',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    logLevel: LOG_LEVELS.find((known) => known === level) ?? 'info',
  }
}

/** Whether this runs in a deployed Lambda function (not the local server, not `sam local`). */
function inDeployedLambda(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.AWS_SAM_LOCAL !== 'true'
}

/** A secret's text as a key ring: a JSON array of strings (first signs, all verify), or one plain secret. */
export function parseKeyRing(text: string): string[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed)
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((item) => typeof item === 'string')) return parsed
    throw new TypeError('The session secret is a JSON array, but not a non-empty array of strings.')
  }
  return [trimmed]
}

/**
 * The cookie-signing key ring, from the first of:
 *
 * 1. `SESSION_SECRET` (a plain secret, or a JSON array of them to rotate);
 * 2. `SESSION_SECRET_ARN`: a Secrets Manager secret holding the same, read
 *    once per container (the deployed stack does this: the key never sits
 *    in the function's configuration);
 * 3. locally only, {@link DEV_SESSION_SECRET} with a warning. A deployed
 *    function without a secret fails at start rather than sign cookies with
 *    a key the whole internet knows.
 */
export async function loadSessionSecrets(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = console.warn,
): Promise<string[]> {
  if (env.SESSION_SECRET) return parseKeyRing(env.SESSION_SECRET)
  const secretId = env.SESSION_SECRET_ARN
  if (secretId) {
    // Imported only when used: local runs and tests never load the Secrets Manager client.
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager')
    const secretsManager = new SecretsManagerClient({ maxAttempts: 3 })
    try {
      const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))
      if (!SecretString) throw new Error(`Secret ${secretId} has no SecretString.`)
      return parseKeyRing(SecretString)
    } finally {
      secretsManager.destroy()
    }
  }
  if (inDeployedLambda(env)) {
    throw new Error('Set SESSION_SECRET_ARN (Secrets Manager) or SESSION_SECRET: refusing the development secret.')
  }
  warn('SESSION_SECRET is not set: signing cookies with the fixed development secret (fine locally, never deploy it).')
  return [DEV_SESSION_SECRET]
}
