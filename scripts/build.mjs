#!/usr/bin/env node
// Bundles the TypeScript sources with esbuild:
//   dist/agent.cjs     — caravan-agent, every dependency inlined (it runs inside any image)
//   dist/cli/commands/** — one ESM file per CLI command (shared code in dist/cli/chunks), deps external;
//                        `cli/src/commands/action/lint.ts` is the command `caravan action lint`
//   .oclif.manifest.json — oclif's command manifest, so a command loads only its own code
// With --sea it also builds the single executable dist/caravan-agent (see scripts/sea.mjs).
// CARAVAN_SKIP_BUILD=1 makes it a no-op: `npm test` builds once, then test files that call this
// script do not rebuild while other test files run the result.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.env.CARAVAN_SKIP_BUILD === '1') process.exit(0);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const withSea = process.argv.includes('--sea');

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: false, logLevel: 'warning', absWorkingDir: root };

const commandsDir = join(root, 'cli/src/commands');
const commandFiles = readdirSync(commandsDir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => join('cli/src/commands', f));

rmSync(join(root, 'dist/cli'), { recursive: true, force: true });
const jobs = [
  build({
    ...common,
    entryPoints: commandFiles,
    outdir: 'dist/cli',
    outbase: 'cli/src',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    packages: 'external',
  }),
];
if (existsSync(join(root, 'agent/src/main.ts'))) {
  jobs.push(build({ ...common, entryPoints: ['agent/src/main.ts'], outfile: 'dist/agent.cjs', format: 'cjs', minify: true, legalComments: 'none',
    // A single executable cannot import() at all, not even Node's built-ins: every import() becomes require().
    supported: { 'dynamic-import': false } }));
}
await Promise.all(jobs);

// The manifest is made by oclif itself, loading every command once here instead of at each start.
rmSync(join(root, '.oclif.manifest.json'), { force: true });
execFileSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { Config } from '@oclif/core';
     import { writeFileSync } from 'node:fs';
     const config = await Config.load({ root: ${JSON.stringify(root)}, ignoreManifest: true });
     writeFileSync(${JSON.stringify(join(root, '.oclif.manifest.json'))}, JSON.stringify(config.getPluginsList()[0].manifest));`,
  ],
  { cwd: root, stdio: 'inherit' },
);

if (withSea) {
  const { buildSea } = await import('./sea.mjs');
  await buildSea(root);
}
