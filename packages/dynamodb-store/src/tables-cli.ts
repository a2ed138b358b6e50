import { parseArgs } from 'node:util'
import { type BillingMode, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { networkErrorCode } from './dynamodb-errors.js'
import { ensureIdempotencyTable } from './idempotency-table.js'
import { ensureSessionTable } from './session-table.js'
import type { EnsureTableResult } from './table-setup.js'

/** Where {@link runTablesCli} writes and what it reads from its surroundings. */
export interface TablesCliIo {
  /** Receives each line of normal output. */
  stdout(line: string): void
  /** Receives each line of error output. */
  stderr(line: string): void
  /**
   * Environment to read `AWS_REGION` and credentials hints from.
   * @default process.env
   */
  env?: Record<string, string | undefined>
}

/** What a table flag creates, given a client. */
interface TableKind {
  /** The CLI option naming the table, e.g. `sessions-table`. */
  option: string
  /** What it is, for the output line. */
  label: string
  /** One line of help. */
  help: string
  ensure(client: DynamoDBClient, tableName: string, billingMode: BillingMode): Promise<EnsureTableResult>
}

/**
 * One entry per table this package can create. A new store adds its table
 * here (e.g. `--idempotency-table`) and the parser, help and output follow.
 */
const TABLE_KINDS: readonly TableKind[] = [
  {
    option: 'sessions-table',
    label: 'sessions table',
    help: 'create the session table with this name (e.g. UserSessions)',
    ensure: (client, tableName, billingMode) => ensureSessionTable({ client, tableName, billingMode }),
  },
  {
    option: 'idempotency-table',
    label: 'idempotency table',
    help: 'create the idempotency table with this name (e.g. Idempotency)',
    ensure: (client, tableName, billingMode) => ensureIdempotencyTable({ client, tableName, billingMode }),
  },
]

const NAME = 'lambda-session-tables'

/** Where the help's descriptions start: past the longest option, `--idempotency-table <name>`. */
const HELP_COLUMN = 31

const USAGE = [
  `Usage: ${NAME} create [options]`,
  '',
  'Creates the DynamoDB tables lambda-session needs, with their keys, index and TTL;',
  'tables that already exist are left as they are (safe to run on every deploy).',
  '',
  'Options:',
  ...TABLE_KINDS.map((kind) => `  --${kind.option} <name>`.padEnd(HELP_COLUMN) + kind.help),
  `${'  --billing-mode <mode>'.padEnd(HELP_COLUMN)}PAY_PER_REQUEST (default) or PROVISIONED (5 RCU/WCU)`,
  `${'  --endpoint <url>'.padEnd(HELP_COLUMN)}DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local`,
  `${'  --region <region>'.padEnd(HELP_COLUMN)}AWS region (default: AWS_REGION, then us-east-1)`,
  `${'  -h, --help'.padEnd(HELP_COLUMN)}show this help`,
  '',
  'Examples:',
  `  ${NAME} create --endpoint http://127.0.0.1:8000 --region us-east-1 --sessions-table UserSessions`,
  `  ${NAME} create --sessions-table UserSessions --idempotency-table Idempotency`,
].join('\n')

const BILLING_MODES: readonly string[] = ['PAY_PER_REQUEST', 'PROVISIONED']

function isLoopback(endpoint: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(endpoint).hostname)
  } catch {
    return false
  }
}

function createClient(endpoint: string | undefined, region: string, env: TablesCliIo['env'] = {}): DynamoDBClient {
  // DynamoDB Local accepts any credentials; supplying dummy ones saves a
  // local user from configuring AWS just to create a table on their laptop.
  const localCredentials =
    endpoint && isLoopback(endpoint) && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}
  return new DynamoDBClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...localCredentials,
    // Bounded, so an unreachable endpoint fails in seconds instead of hanging a deploy.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  })
}

function parseCliArgs(argv: readonly string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    'billing-mode': { type: 'string' },
  }
  for (const kind of TABLE_KINDS) options[kind.option] = { type: 'string' }
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options })
}

function describeError(error: unknown, endpoint: string | undefined): string {
  const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: string }
  const text = message || code || name || String(error)
  const networkCode = networkErrorCode(error) ?? (name === 'TimeoutError' ? 'timed out' : undefined)
  if (networkCode) return `could not reach DynamoDB${endpoint ? ` at ${endpoint}` : ''} (${networkCode})`
  return name && name !== 'Error' && !text.startsWith(name) ? `${name}: ${text}` : text
}

/**
 * The `lambda-session-tables` command, callable in-process: parses `argv`
 * (without `node` and the script), creates the named tables if missing and
 * writes one line per table. Resolves to the exit code: 0 when every table
 * exists or was created, 1 on any error (with a one-line message).
 *
 * @example
 * ```ts
 * const code = await runTablesCli(['create', '--sessions-table', 'UserSessions'], {
 *   stdout: console.log,
 *   stderr: console.error,
 * })
 * ```
 */
export async function runTablesCli(argv: readonly string[], io: TablesCliIo): Promise<number> {
  const env = io.env ?? process.env
  let parsed: ReturnType<typeof parseCliArgs>
  try {
    parsed = parseCliArgs(argv)
  } catch (error) {
    io.stderr(`${NAME}: ${(error as Error).message} (see --help)`)
    return 1
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout(USAGE)
    return 0
  }
  const fail = (message: string) => {
    io.stderr(`${NAME}: ${message}`)
    return 1
  }
  if (positionals.length !== 1 || positionals[0] !== 'create') {
    return fail(
      `expected the command 'create'${positionals.length ? `, got '${positionals.join(' ')}'` : ''} (see --help)`,
    )
  }
  const billingMode = (values['billing-mode'] as string | undefined) ?? 'PAY_PER_REQUEST'
  if (!BILLING_MODES.includes(billingMode)) return fail(`--billing-mode must be one of ${BILLING_MODES.join(', ')}`)
  const requested = TABLE_KINDS.flatMap((kind) => {
    const tableName = values[kind.option]
    return typeof tableName === 'string' ? [{ kind, tableName }] : []
  })
  if (requested.length === 0) {
    return fail(`name at least one table: ${TABLE_KINDS.map((kind) => `--${kind.option} <name>`).join(', ')}`)
  }
  const emptyName = requested.find(({ tableName }) => tableName.trim() === '')
  if (emptyName) return fail(`--${emptyName.kind.option} needs a table name`)

  const endpoint = values.endpoint as string | undefined
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'
  const client = createClient(endpoint, region, env)
  try {
    for (const { kind, tableName } of requested) {
      const result = await kind.ensure(client, tableName, billingMode as BillingMode)
      io.stdout(`${kind.label} ${tableName}: ${result.created ? 'created' : 'exists'}`)
    }
    return 0
  } catch (error) {
    return fail(describeError(error, endpoint))
  } finally {
    client.destroy()
  }
}
