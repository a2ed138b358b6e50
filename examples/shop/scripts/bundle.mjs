#!/usr/bin/env node
// `pnpm --filter example-shop bundle`: one self-contained ES module per
// function of template.yaml, at the function's CodeUri
// (.aws-lambda/<LogicalId>/index.mjs, Handler `index.handler`), built with
// esbuild from the TypeScript sources (the workspace packages included, via
// the root tsconfig's paths). `sam deploy` then zips those folders as they are.
//
// Why not SAM's own esbuild build: it runs `npm install` inside each CodeUri,
// which can't resolve this pnpm workspace's `workspace:` dependencies.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { readSamTemplate } from 'example-local-server/sam-template'

const shopDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repoRoot = resolve(shopDir, '../..')

/**
 * Bundles every function of the template (or those named in `only`) into
 * `outDir/<LogicalId>/index.mjs`. Resolves to `{ logicalId, file, bytes }` per function.
 */
export async function bundleFunctions({ outDir = join(shopDir, '.aws-lambda'), only } = {}) {
  const { functions } = readSamTemplate(join(shopDir, 'template.yaml'))
  const built = []
  for (const fn of functions.values()) {
    if (only && !only.includes(fn.logicalId)) continue
    const dir = join(outDir, fn.logicalId)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'index.mjs')
    await build({
      entryPoints: [fn.entry],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: true, // with NODE_OPTIONS=--enable-source-maps (template.yaml), stack traces point at the sources
      legalComments: 'linked',
      tsconfig: join(repoRoot, 'tsconfig.json'),
      // Some CommonJS dependencies call require(); an ES module has none of its own.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    })
    // `sam build` (optional here) wants a package.json in every CodeUri.
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: fn.logicalId.toLowerCase(), version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    )
    built.push({ logicalId: fn.logicalId, file, bytes: statSync(file).size })
  }
  return built
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await bundleFunctions()
  for (const { logicalId, file, bytes } of built) {
    console.log(`${logicalId.padEnd(28)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${relative(shopDir, file)}`)
  }
  console.log(`${built.length} functions bundled: now \`sam deploy --guided\` from examples/shop.`)
}
