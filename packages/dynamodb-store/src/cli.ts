#!/usr/bin/env node
/**
 * The `lambda-session-tables` executable: a thin shell around
 * {@link runTablesCli}, which holds the logic so tests can run it in-process.
 */
import { runTablesCli } from './tables-cli.js'

process.exitCode = await runTablesCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
})
