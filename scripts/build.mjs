#!/usr/bin/env node
// Bundles the TypeScript sources with esbuild:
//   dist/agent.cjs  — caravan-agent, every dependency inlined (it runs inside any image)
//   dist/cli.js     — the caravan CLI (oclif explicit command map), dependencies left external
// With --sea it also builds the single executable dist/caravan-agent (see scripts/sea.mjs).
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const withSea = process.argv.includes('--sea');

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: false, logLevel: 'warning', absWorkingDir: root };

// oclif's explicit command strategy: the map is generated from the files under cli/src/commands,
// `action/lint.ts` becoming the command `action lint`, so adding a command is adding a file.
function commandMap() {
  const dir = join(root, 'cli/src/commands');
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  const imports = files.map((f, i) => `import C${i} from './${f.replaceAll(sep, '/')}';`);
  const entries = files.map((f, i) => `  ${JSON.stringify(f.slice(0, -3).replaceAll(sep, ':'))}: C${i},`);
  return `${imports.join('\n')}\nexport const COMMANDS = {\n${entries.join('\n')}\n};\n`;
}

const jobs = [];
if (existsSync(join(root, 'agent/src/main.ts'))) {
  jobs.push(build({ ...common, entryPoints: ['agent/src/main.ts'], outfile: 'dist/agent.cjs', format: 'cjs', minify: true, legalComments: 'none' }));
}
jobs.push(build({ ...common, stdin: { contents: commandMap(), resolveDir: join(root, 'cli/src/commands'), loader: 'ts', sourcefile: 'commands.ts' }, outfile: 'dist/cli.js', format: 'esm', packages: 'external' }));
await Promise.all(jobs);

if (withSea) {
  const { buildSea } = await import('./sea.mjs');
  await buildSea(root);
}
