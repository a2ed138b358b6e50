import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
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
import {
  ensureIdempotencyTable,
  IDEMPOTENCY_ATTRIBUTES,
  idempotencyTableDefinition,
  runTablesCli,
} from '@lambda-session/dynamodb-store'
import { localClient, rejectionOf, uniqueTableName } from './helpers.js'

const client = localClient()
const endpoint = process.env.DYNAMODB_ENDPOINT as string
afterAll(() => client.destroy())

async function expectIdempotencyTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))
  expect(Table?.TableStatus).toBe('ACTIVE')
  expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }])
  expect(Table?.AttributeDefinitions).toEqual([{ AttributeName: 'pk', AttributeType: 'S' }])
  expect(Table?.GlobalSecondaryIndexes).toBeUndefined()
  const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' })
}

function captureIo() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: { stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line), env: {} },
  }
}

describe('ensureIdempotencyTable', () => {
  test('creates the table with TTL on ttl, and a second call changes nothing', async () => {
    const tableName = uniqueTableName('ensure-idem')
    expect(await ensureIdempotencyTable({ client, tableName })).toEqual({ tableName, created: true, ttlEnabled: true })
    await expectIdempotencyTable(client, tableName)
    expect(await ensureIdempotencyTable({ client, tableName })).toEqual({
      tableName,
      created: false,
      ttlEnabled: false,
    })
    await expectIdempotencyTable(client, tableName)
  })

  test('switches TTL on for an existing table that lacks it', async () => {
    const tableName = uniqueTableName('ensure-idem-ttl')
    const { TimeToLiveSpecification: _ttl, ...createInput } = idempotencyTableDefinition(tableName)
    await client.send(new CreateTableCommand(createInput))
    expect(await ensureIdempotencyTable({ client, tableName })).toEqual({ tableName, created: false, ttlEnabled: true })
    await expectIdempotencyTable(client, tableName)
  })

  test('refuses an existing table with another key', async () => {
    const tableName = uniqueTableName('ensure-idem-wrong')
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    )
    const error = await rejectionOf(ensureIdempotencyTable({ client, tableName }))
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error.message).toContain('different primary key')
  })

  test('PROVISIONED billing puts capacity on the table', async () => {
    const tableName = uniqueTableName('ensure-idem-prov')
    await ensureIdempotencyTable({
      client,
      tableName,
      billingMode: 'PROVISIONED',
      provisionedCapacity: { ReadCapacityUnits: 2, WriteCapacityUnits: 7 },
    })
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 7 })
  })
})

describe('idempotencyTableDefinition', () => {
  test('is a plain object a SAM template can use as Properties', () => {
    expect(JSON.parse(JSON.stringify(idempotencyTableDefinition('Idempotency')))).toEqual({
      TableName: 'Idempotency',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    })
  })

  test('the exported attribute names are the stored ones', () => {
    expect(IDEMPOTENCY_ATTRIBUTES).toEqual({
      keyHash: 'pk',
      status: 'status',
      fingerprint: 'fingerprint',
      lockToken: 'lockToken',
      lockExpiresAt: 'lockExpiresAt',
      expiresAt: 'expiresAt',
      ttl: 'ttl',
      response: 'response',
    })
  })
})

describe('lambda-session-tables --idempotency-table', () => {
  test('alone: creates the table, then reports it exists', async () => {
    const tableName = uniqueTableName('cli-idem')
    const argv = ['create', '--endpoint', endpoint, '--region', 'us-east-1', '--idempotency-table', tableName]
    const first = captureIo()
    expect(await runTablesCli(argv, first.io)).toBe(0)
    expect(first.out).toEqual([`idempotency table ${tableName}: created`])
    expect(first.err).toEqual([])
    await expectIdempotencyTable(client, tableName)

    const second = captureIo()
    expect(await runTablesCli(argv, second.io)).toBe(0)
    expect(second.out).toEqual([`idempotency table ${tableName}: exists`])
  })

  test('with --sessions-table: creates both, one line each', async () => {
    const sessions = uniqueTableName('cli-both-s')
    const idempotency = uniqueTableName('cli-both-i')
    const { out, err, io } = captureIo()
    const argv = ['create', '--endpoint', endpoint, '--idempotency-table', idempotency, '--sessions-table', sessions]
    expect(await runTablesCli(argv, io)).toBe(0)
    expect(err).toEqual([])
    expect(out).toEqual([`sessions table ${sessions}: created`, `idempotency table ${idempotency}: created`])
    await expectIdempotencyTable(client, idempotency)
    const { Table } = await client.send(new DescribeTableCommand({ TableName: sessions }))
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('userId-index')
  })

  test('--help lists the flag with its description in the aligned column', async () => {
    const { out, io } = captureIo()
    expect(await runTablesCli(['--help'], io)).toBe(0)
    const lines = out.join('\n').split('\n')
    const flag = lines.find((line) => line.includes('--idempotency-table <name>'))
    expect(flag).toMatch(/^ {2}--idempotency-table <name> +create the idempotency table/)
    const sessions = lines.find((line) => line.includes('--sessions-table <name>')) as string
    expect(sessions.indexOf('create')).toBe((flag as string).indexOf('create'))
    expect(lines.find((line) => line.includes('--billing-mode'))?.indexOf('PAY_PER_REQUEST')).toBe(
      (flag as string).indexOf('create'),
    )
  })

  test.each([
    [['create', '--idempotency-table', ''], '--idempotency-table needs a table name'],
    [['create', '--idempotency-table'], "Option '--idempotency-table <value>' argument missing"],
    [['create'], '--idempotency-table <name>'],
  ])('%j exits 1 with one line on stderr', async (argv, message) => {
    const { out, err, io } = captureIo()
    expect(await runTablesCli(argv, io)).toBe(1)
    expect(out).toEqual([])
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(message)
  })

  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
  const built = existsSync(cli) && existsSync(new URL('../dist/idempotency-table.js', import.meta.url))
  ;(built ? test : test.skip)('the built executable creates the table', async () => {
    const tableName = uniqueTableName('cli-bin-idem')
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'create',
      '--endpoint',
      endpoint,
      '--idempotency-table',
      tableName,
    ])
    expect(stdout).toBe(`idempotency table ${tableName}: created\n`)
    await expectIdempotencyTable(client, tableName)
  })
})
