#!/usr/bin/env node
// Bundles the TypeScript sources with esbuild:
//   dist/agent.cjs     — caravan-agent, every dependency inlined (it runs inside any image)
//   dist/cli/commands/** — one ESM file per CLI command (shared code in dist/cli/chunks), deps external;
//                        `cli/src/commands/action/lint.ts` is the command `caravan action lint`
//   .oclif.manifest.json — oclif's command manifest, so a command loads only its own code
//   marketplace/actions/*/lib/ — the built-in actions' copies of marketplace/actions/_shared
// With --sea it also builds the single executable dist/caravan-agent (see scripts/sea.mjs).
// CARAVAN_SKIP_BUILD=1 makes it a no-op: `npm test` builds once, then test files that call this
// script do not rebuild while other test files run the result.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.env.CARAVAN_SKIP_BUILD === '1') process.exit(0);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The built-in actions share helpers kept once in marketplace/actions/_shared; each action folder
// gets its own copy in lib/ (not committed) so that it stays a self-contained, publishable package.
await import('../marketplace/actions/_shared/sync.mjs');
const withSea = process.argv.includes('--sea');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: root,
};

const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const thirdParty = Object.keys(dependencies);

const commandsDir = join(root, 'cli/src/commands');
const commandFiles = readdirSync(commandsDir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => join('cli/src/commands', f));

// Built aside, then swapped in, so a CLI started meanwhile (tests run it in parallel) sees a whole build.
const stage = `dist/.cli-${process.pid}`;
const jobs = [
  build({
    ...common,
    entryPoints: commandFiles,
    outdir: stage,
    outbase: 'cli/src',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Third-party packages stay external (installed beside the CLI); the workspace's own
    // packages (@caravan/*) point at TypeScript sources and are bundled in.
    external: thirdParty.flatMap((name) => [name, `${name}/*`]),
  }),
];
if (existsSync(join(root, 'agent/src/main.ts'))) {
  jobs.push(
    build({
      ...common,
      entryPoints: ['agent/src/main.ts'],
      outfile: 'dist/agent.cjs',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      // A single executable cannot import() at all, not even Node's built-ins: every import() becomes require().
      supported: { 'dynamic-import': false },
    }),
  );
}
await Promise.all(jobs);
const old = `dist/.cli-old-${process.pid}`;
if (existsSync(join(root, 'dist/cli'))) renameSync(join(root, 'dist/cli'), join(root, old));
renameSync(join(root, stage), join(root, 'dist/cli'));
rmSync(join(root, old), { recursive: true, force: true });

// The manifest is made by oclif itself, loading every command once here instead of at each start.
// oclif reads the root's manifest even with ignoreManifest (the option does not reach the root
// plugin), so the old one goes first, or a new command would never appear in it.
rmSync(join(root, '.oclif.manifest.json'), { force: true });
execFileSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { Config } from '@oclif/core';
     import { writeFileSync } from 'node:fs';
     const config = await Config.load({ root: ${JSON.stringify(root)}, ignoreManifest: true });
     writeFileSync(${JSON.stringify(join(root, `.oclif.manifest.json.${process.pid}`))}, JSON.stringify(config.getPluginsList()[0].manifest));`,
  ],
  { cwd: root, stdio: 'inherit' },
);
renameSync(join(root, `.oclif.manifest.json.${process.pid}`), join(root, '.oclif.manifest.json'));

if (withSea) {
  const { buildSea } = await import('./sea.mjs');
  await buildSea(root);
}
