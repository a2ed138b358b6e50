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
  /** `SESSION_STORE`: where sessions live (see {@link SESSION_STORES}). @default 'dynamodb' */
  sessionStore: SessionStoreKind
  /** `REDIS_URL`, e.g. `redis://127.0.0.1:6379`; used with `SESSION_STORE=redis`. @default undefined */
  redisUrl: string | undefined
}

/**
 * The session stores the apps can run on, switched by `SESSION_STORE` with
 * no change to any handler:
 *
 * - `dynamodb`: sessions and idempotency records in DynamoDB tables;
 * - `redis`: both in Redis (`REDIS_URL`);
 * - `cookie`: each session sealed in its own cookie, no server state;
 *   idempotency records stay in DynamoDB, because exactly-once needs a
 *   record every retry can see, and a cookie is only on one client.
 */
export const SESSION_STORES = ['dynamodb', 'redis', 'cookie'] as const

/** One of {@link SESSION_STORES}. */
export type SessionStoreKind = (typeof SESSION_STORES)[number]

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

/** One of the levels the apps' logger filters by. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * Anyone can read this: it only exists so `pnpm start` works with nothing
 * set. A deployed function refuses to start with it (see {@link loadSessionSecrets}).
 */
export const DEV_SESSION_SECRET = 'lambda-session-examples-local-development-secret'

/**
 * `SESSION_STORE`, or `dynamodb` when it is unset or empty. Throws for
 * anything else, naming the choices: a typo must not quietly run the app
 * on another store than the one asked for.
 */
export function readSessionStore(env: NodeJS.ProcessEnv = process.env): SessionStoreKind {
  const value = env.SESSION_STORE?.trim().toLowerCase()
  if (!value) return 'dynamodb'
  const kind = SESSION_STORES.find((known) => known === value)
  if (!kind) {
    throw new Error(`SESSION_STORE must be one of ${SESSION_STORES.join(', ')}; got "${env.SESSION_STORE}".`)
  }
  return kind
}

/**
 * Reads the settings; unknown or empty values fall back to the defaults,
 * except an unknown `SESSION_STORE`, which throws (see {@link readSessionStore}).
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): ExampleSettings {
  const level = env.LOG_LEVEL?.toLowerCase()
  return {
    sessionTable: env.SESSION_TABLE || 'lambda-session-examples-sessions',
    idempotencyTable: env.IDEMPOTENCY_TABLE || 'lambda-session-examples-idempotency',
    cookieSecure: env.COOKIE_SECURE?.toLowerCase() !== 'false',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    logLevel: LOG_LEVELS.find((known) => known === level) ?? 'info',
    sessionStore: readSessionStore(env),
    redisUrl: env.REDIS_URL || undefined,
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
