import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import { afterAll, describe, expect, test } from '@jest/globals'
import { ConfigurationError } from '@lambda-session/core'
import { ensureSessionTable, runTablesCli, sessionTableDefinition } from '@lambda-session/dynamodb-store'
import { localClient, rejectionOf, uniqueTableName } from './helpers.js'

const client = localClient()
const endpoint = process.env.DYNAMODB_ENDPOINT as string
afterAll(() => client.destroy())

async function expectSessionTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))
  expect(Table?.TableStatus).toBe('ACTIVE')
  expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }])
  expect(Table?.GlobalSecondaryIndexes).toEqual([
    expect.objectContaining({
      IndexName: 'userId-index',
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    }),
  ])
  const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' })
}

/** Collects what the CLI writes. */
function captureIo() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: { stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line), env: {} },
  }
}

describe('ensureSessionTable', () => {
  test('creates the table with its index and TTL, and a second call changes nothing', async () => {
    const tableName = uniqueTableName('ensure')
    expect(await ensureSessionTable({ client, tableName })).toEqual({ tableName, created: true, ttlEnabled: true })
    await expectSessionTable(client, tableName)
    expect(await ensureSessionTable({ client, tableName })).toEqual({ tableName, created: false, ttlEnabled: false })
    await expectSessionTable(client, tableName)
  })

  test('concurrent calls both succeed', async () => {
    const tableName = uniqueTableName('ensure-race')
    const results = await Promise.all([
      ensureSessionTable({ client, tableName }),
      ensureSessionTable({ client, tableName }),
    ])
    expect(results.filter((result) => result.created)).toHaveLength(1)
    await expectSessionTable(client, tableName)
  })

  test('switches TTL on for an existing table that lacks it', async () => {
    const tableName = uniqueTableName('ensure-ttl')
    const { TimeToLiveSpecification: _ttl, ...createInput } = sessionTableDefinition(tableName)
    await client.send(new CreateTableCommand(createInput))
    expect(await ensureSessionTable({ client, tableName })).toEqual({ tableName, created: false, ttlEnabled: true })
    await expectSessionTable(client, tableName)
  })

  test('refuses an existing table with another key', async () => {
    const tableName = uniqueTableName('ensure-wrong')
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    )
    const error = await rejectionOf(ensureSessionTable({ client, tableName }))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error.message).toContain('different primary key')
  })

  test('PROVISIONED billing puts capacity on the table and its index', async () => {
    const tableName = uniqueTableName('ensure-provisioned')
    await ensureSessionTable({ client, tableName, billingMode: 'PROVISIONED' })
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 })
    expect(Table?.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 5 })
  })
})

describe('sessionTableDefinition', () => {
  test('is a plain object a SAM template can use as Properties', () => {
    expect(JSON.parse(JSON.stringify(sessionTableDefinition('UserSessions')))).toEqual({
      TableName: 'UserSessions',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'userId', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'userId-index',
          KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    })
  })
})

describe('lambda-session-tables', () => {
  test('create makes the table, then reports it exists', async () => {
    const tableName = uniqueTableName('cli')
    const argv = ['create', '--endpoint', endpoint, '--region', 'us-east-1', '--sessions-table', tableName]
    const first = captureIo()
    expect(await runTablesCli(argv, first.io)).toBe(0)
    expect(first.out).toEqual([`sessions table ${tableName}: created`])
    expect(first.err).toEqual([])
    await expectSessionTable(client, tableName)

    const second = captureIo()
    expect(await runTablesCli(argv, second.io)).toBe(0)
    expect(second.out).toEqual([`sessions table ${tableName}: exists`])
  })

  test('--help prints the usage and exits 0', async () => {
    const { out, io } = captureIo()
    expect(await runTablesCli(['--help'], io)).toBe(0)
    expect(out.join('\n')).toContain('Usage: lambda-session-tables create')
    expect(out.join('\n')).toContain('--sessions-table <name>')
  })

  test.each([
    [[], 'expected the command'],
    [['create'], 'name at least one table'],
    [['create', '--sessions-table', 'T', '--nope'], "Unknown option '--nope'"],
    [['create', '--sessions-table', 'T', '--billing-mode', 'FREE'], '--billing-mode must be one of'],
    [['drop', '--sessions-table', 'T'], "got 'drop'"],
  ])('%j exits 1 with one line on stderr', async (argv, message) => {
    const { out, err, io } = captureIo()
    expect(await runTablesCli(argv, io)).toBe(1)
    expect(out).toEqual([])
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(message)
  })

  test('an unreachable endpoint exits 1 with a clear line', async () => {
    const { err, io } = captureIo()
    const argv = ['create', '--endpoint', 'http://127.0.0.1:1', '--sessions-table', 'T']
    expect(await runTablesCli(argv, io)).toBe(1)
    expect(err).toEqual([expect.stringContaining('could not reach DynamoDB at http://127.0.0.1:1')])
  })

  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
  test('the built executable creates a table (npm test builds first)', async () => {
    const tableName = uniqueTableName('cli-bin')
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'create',
      '--endpoint',
      endpoint,
      '--sessions-table',
      tableName,
    ])
    expect(stdout).toBe(`sessions table ${tableName}: created\n`)
    await expectSessionTable(client, tableName)
  })
})
