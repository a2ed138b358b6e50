import type { BenchSettings } from './bench-settings.ts'
import { dynamoDBLocalVersion, startBenchDynamoDB } from './dynamodb/bench-dynamodb.ts'
import { type BenchResults, summaryLines, writeReport } from './report/write-report.ts'
import { runColdStart } from './scenarios/cold-start.ts'
import { runCpuOverhead } from './scenarios/cpu-overhead.ts'
import { runDynamoDBLatency } from './scenarios/dynamodb-latency.ts'
import { runSessionSize } from './scenarios/session-size.ts'
import { runSessionStores } from './scenarios/session-stores.ts'

async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const startedAt = performance.now()
  process.stdout.write(`${title} `)
  const result = await run()
  console.log(` ${((performance.now() - startedAt) / 1000).toFixed(1)} s`)
  return result
}

/** Runs the six scenarios in order and writes the report to `reportPath`. */
export async function runAll(settings: BenchSettings, reportPath: string): Promise<void> {
  // CPU first, before DynamoDB Local's JVM competes for the cores.
  const cpu = await step('1. CPU per invocation', () => runCpuOverhead(settings.cpu))
  const coldStart = await step('4. cold start', () => runColdStart(settings.coldStart))
  const dynamodb = await step('   starting DynamoDB Local', () => startBenchDynamoDB())
  try {
    const latency = await step('2-3. DynamoDB Local latency, round trips, capacity', () =>
      runDynamoDBLatency(dynamodb, settings.dynamodb),
    )
    const sessionSize = await step('5. session size', () => runSessionSize(dynamodb, settings.sessionSize))
    const stores = await step('6. session stores: DynamoDB Local, Redis, sealed cookie', () =>
      runSessionStores(dynamodb, settings.stores),
    )
    const results: BenchResults = {
      settings,
      dynamoDBLocal: dynamoDBLocalVersion(),
      cpu,
      latency,
      coldStart,
      sessionSize,
      stores,
    }
    writeReport(reportPath, results)
    console.log(`\n${summaryLines(results).join('\n')}\n\nWritten: ${reportPath}`)
  } finally {
    await dynamodb.stop()
  }
}
