import { type AddressInfo, createServer, type Socket } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'

/** An error shaped like the SDK's for a DynamoDB error answer. */
export function sdkError(name: string, httpStatusCode: number, throttling = false): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    ...(throttling ? { $retryable: { throttling: true } } : {}),
  })
}

/** How many requests an injector failed, and which commands it saw. */
export interface InjectedFaults {
  readonly failed: number
  readonly seen: string[]
}

let injectorId = 0

/**
 * Fails the first `times` requests of the client (inside the SDK's retry
 * loop, as DynamoDB's answer would) with `error()`. `afterSending: true`
 * lets the request reach DynamoDB first and then fails it: a lost answer.
 */
export function failRequests(
  client: DynamoDBClient,
  times: number,
  error: () => Error,
  { afterSending = false, commands }: { afterSending?: boolean; commands?: string[] } = {},
): InjectedFaults {
  const state = { failed: 0, seen: [] as string[] }
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName)
      state.seen.push(name)
      if (state.failed >= times || (commands && !commands.includes(name))) return next(args)
      state.failed++
      if (afterSending) await next(args)
      throw error()
    },
    { step: 'deserialize', name: `injectedFault${++injectorId}` },
  )
  return state
}

/** A client for DynamoDB Local without any SDK retry, so only the store retries. */
export function singleAttemptClient(
  endpoint: string,
  extra: Partial<ConstructorParameters<typeof DynamoDBClient>[0]> = {},
) {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    ...extra,
  })
}

/** A server that accepts connections and never answers; counts the connections. */
export async function blackHole() {
  const sockets: Socket[] = []
  const server = createServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => sockets.length,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
