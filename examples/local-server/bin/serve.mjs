#!/usr/bin/env node
// Runs the local server and the example handlers from their TypeScript
// sources, compiled on load by SWC the way Jest runs them, so `pnpm start`
// needs no build: `@lambda-session/<name>` resolves to
// packages/<name>/src/index.ts (`@lambda-session/<name>/<entry>` to
// packages/<name>/src/<entry>/index.ts), and a `./x.js` import from a .ts
// file to ./x.ts (the NodeNext convention the sources follow).
import { existsSync, readFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { fileURLToPath } from 'node:url'
import { transformSync } from '@swc/core'

const root = new URL('../../../', import.meta.url)
const workspacePackage = /^@lambda-session\/([a-z-]+)(?:\/([a-z-]+))?$/

registerHooks({
  resolve(specifier, context, nextResolve) {
    const [, name, entry] = workspacePackage.exec(specifier) ?? []
    if (name) {
      const source = new URL(`packages/${name}/src/${entry ? `${entry}/` : ''}index.ts`, root)
      if (existsSync(source)) return { url: source.href, shortCircuit: true }
    }
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const source = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL)
      if (existsSync(source)) return { url: source.href, shortCircuit: true }
    }
    return nextResolve(specifier, context)
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context)
    const filename = fileURLToPath(url)
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    })
    return { format: 'module', source: code, shortCircuit: true }
  },
})

process.setSourceMapsEnabled(true) // stack traces point into the TypeScript sources
await import('../src/main.ts')
