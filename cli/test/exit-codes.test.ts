/**
 * The exit codes of docs/cli.md, kind by kind across commands: the same kind of error gives the
 * same code and an `error:` line in every command, never a stack trace or a token.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtinActionsDir,
  DefaultActionResolver,
  Engine,
  RegistryActionSource,
  SqliteEngineStore,
} from '@caravan/engine';
import { loadPipelineFile } from '@caravan/spec';
import { actionTarball, publish, startTestRegistry, storeFactories } from '../../marketplace/registry/test/helpers.js';
import type { TestRegistry } from '../../marketplace/registry/test/helpers.js';
import { deadPort } from '../../marketplace/registry/test/client/stand-in-registry.js';
import { caravan, ensureBuilt } from './author-helpers.js';

let registry: TestRegistry;
let home: string;
let unreachable: string;
const files: Record<string, string> = {};
const BAD_TOKEN = 'cvn_not-a-token-the-registry-knows';

interface Case {
  args: string[];
  env?: Record<string, string>;
  input?: string;
}

async function expectAll(kind: string, cases: Case[], exitCode: number, line: RegExp): Promise<void> {
  // a few at a time: each is a node process
  for (let i = 0; i < cases.length; i += 4) {
    const results = await Promise.all(
      cases.slice(i, i + 4).map((c) =>
        caravan(c.args, {
          cwd: home,
          env: { CARAVAN_HOME: home, CARAVAN_DATABASE_URL: '', ...c.env },
          ...(c.input !== undefined ? { input: c.input } : {}),
        }),
      ),
    );
    results.forEach((r, j) => {
      const what = `${kind}: caravan ${cases[i + j]!.args.join(' ')}\n${r.stderr}`;
      expect(r.exitCode, what).toBe(exitCode);
      expect(r.stderr, what).toMatch(line);
      expect(r.stderr, what).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(`${r.stdout}${r.stderr}`, what).not.toContain(BAD_TOKEN);
    });
  }
}

beforeAll(async () => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-exit-codes-'));
  registry = await startTestRegistry(storeFactories[0]!);
  expect(
    (
      await publish(
        registry.url,
        registry.tokens['alice'],
        'acme/lint',
        '1.0.0',
        await actionTarball('acme/lint', '1.0.0'),
      )
    ).status,
  ).toBe(201);
  unreachable = `http://127.0.0.1:${await deadPort()}`;

  files['badPipeline'] = join(home, 'bad-pipeline.yml');
  writeFileSync(files['badPipeline'], 'version: "1"\nsteps:\n  - id: a\n    run: echo\n    needz: [b]\n');
  files['goodAction'] = join(home, 'good-action');
  mkdirSync(files['goodAction']);
  writeFileSync(
    join(files['goodAction'], 'action.yml'),
    'name: acme/lint\nversion: 1.1.0\ndescription: lints\nruns:\n  command: echo\n',
  );
  files['badAction'] = join(home, 'bad-action');
  mkdirSync(files['badAction']);
  writeFileSync(join(files['badAction'], 'action.yml'), 'name: acme/x\nversion: one\nruns: {command: echo}\n');
  files['secrets'] = join(home, 'no-such-secrets.env');
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('exit codes by kind of error, across commands', { timeout: 300_000 }, () => {
  it('3: the registry cannot be reached', async () => {
    const env = { CARAVAN_REGISTRY: unreachable, CARAVAN_TOKEN: BAD_TOKEN };
    await expectAll(
      'unreachable',
      [
        { args: ['action', 'resolve', 'acme/lint'], env },
        { args: ['action', 'yank', 'acme/lint@1.0.0'], env },
        { args: ['action', 'tag', 'acme/lint@1.0.0', 'beta'], env },
        { args: ['action', 'publish', files['goodAction']!], env },
        { args: ['login', '--registry', unreachable], input: `${BAD_TOKEN}\n` },
      ],
      3,
      /^error: cannot reach the registry at http:\/\/127\.0\.0\.1:\d+ /m,
    );
  });

  it('3: run and resume alike when the registry a step uses cannot be reached; 2 when none is configured', async () => {
    const file = join(home, 'uses-registry.yml');
    writeFileSync(file, 'version: "1"\nsteps:\n  - id: lint\n    uses: acme/lint@^1\n');
    // A run whose start resolved acme/lint while the registry was up, stopped before it ran (its
    // engine died); the action was cached elsewhere, so resuming it needs the registry.
    const runHome = join(home, 'resume-home');
    mkdirSync(runHome);
    const store = new SqliteEngineStore(join(runHome, 'engine.db'));
    const source = new RegistryActionSource(registry.url, registry.tokens['alice'], join(home, 'elsewhere-cache'));
    const engine = await Engine.start({
      store,
      home: runHome,
      resolver: new DefaultActionResolver(builtinActionsDir(), source),
    });
    const parsed = await loadPipelineFile(file);
    if (!parsed.ok) throw new Error(`${file} is not valid`);
    const { id } = await engine.createRun({ pipeline: parsed.value, source: '' });
    await engine.close();
    await store.close();
    await source.close();
    const down = { CARAVAN_HOME: runHome, CARAVAN_REGISTRY: unreachable };
    await expectAll(
      'registry unreachable',
      [
        { args: ['run', file], env: down },
        { args: ['resume', id], env: down },
      ],
      3,
      /^error: .*step "lint": uses acme\/lint@(\^1|1\.0\.0): cannot reach the registry at http:\/\/127\.0\.0\.1:\d+ /m,
    );
    await expectAll(
      'no registry',
      [
        { args: ['run', file], env: { CARAVAN_HOME: runHome } },
        { args: ['resume', id], env: { CARAVAN_HOME: runHome } },
      ],
      2,
      /^error: .*step "lint": uses acme\/lint@(\^1|1\.0\.0): acme\/lint is not a built-in action and no registry is configured/m,
    );
  });

  it('3: the registry refuses the token', async () => {
    const env = { CARAVAN_REGISTRY: registry.url, CARAVAN_TOKEN: BAD_TOKEN };
    await expectAll(
      'bad token',
      [
        { args: ['action', 'resolve', 'acme/lint'], env },
        { args: ['action', 'deprecate', 'acme/lint@1.0.0', '-m', 'old'], env },
        { args: ['action', 'delete', 'acme/lint@1.0.0'], env },
        { args: ['action', 'publish', files['goodAction']!], env },
        { args: ['login', '--registry', registry.url], input: `${BAD_TOKEN}\n` },
      ],
      3,
      /^error: .*(HTTP 401|refused the token)/m,
    );
  });

  it('2: a malformed pipeline or action file given to a command that uses it', async () => {
    await expectAll(
      'malformed file',
      [
        { args: ['run', files['badPipeline']!] },
        { args: ['action', 'publish', files['badAction']!], env: { CARAVAN_REGISTRY: registry.url } },
        { args: ['action', 'pack', files['badAction']!, '--out', home] },
        { args: ['action', 'docs', files['badAction']!] },
        { args: ['action', 'run', files['badAction']!] },
      ],
      2,
      /^error: .* is not a valid (pipeline|action) \(\d+ errors?\):\n.+:\d+:\d+: error: /m,
    );
  });

  it('1: the same files given to the commands that check them (a check that finds errors)', async () => {
    await expectAll(
      'lint',
      [{ args: ['pipeline', 'lint', files['badPipeline']!] }, { args: ['action', 'lint', files['badAction']!] }],
      1,
      /^.+:\d+:\d+: error: .*\n\d+ errors?$/m,
    );
  });

  it('2: an unknown flag', async () => {
    const commands = [
      ['run', 'x.yml'],
      ['resume', 'x'],
      ['action', 'yank', 'acme/lint@1.0.0'],
      ['runs', 'list'],
    ];
    commands.push(['registry', 'gc'], ['version'], ['login'], ['pipeline', 'lint', 'x.yml']);
    await expectAll(
      'unknown flag',
      commands.map((args) => ({ args: [...args, '--no-such-flag'] })),
      2,
      /^error: Nonexistent flag: --no-such-flag\nhint: `caravan .+ --help` shows what it takes$/m,
    );
  });

  it('2: a missing argument', async () => {
    const commands = [['run'], ['resume'], ['action', 'yank'], ['logs'], ['approve', 'run1'], ['registry', 'grant']];
    await expectAll(
      'missing arg',
      commands.map((args) => ({ args })),
      2,
      /^error: Missing \d required args?:/m,
    );
  });

  it('2: an unknown name', async () => {
    const env = { CARAVAN_REGISTRY: registry.url, CARAVAN_TOKEN: registry.tokens['alice']! };
    await expectAll(
      'unknown name',
      [
        { args: ['resume', 'nope-000000'] },
        { args: ['runs', 'show', 'nope-000000'] },
        { args: ['logs', 'nope-000000'] },
        { args: ['cancel', 'nope-000000'] },
        { args: ['action', 'yank', 'acme/nope@1.0.0'], env },
        { args: ['registry', 'token', 'revoke', 'tok_nope', '--data', join(home, 'registry')] },
      ],
      2,
      /^error: (no run nope-000000|.*HTTP 404|no active token)/m,
    );
  });

  it('2: run and resume alike for secrets, limits and registry settings they cannot use', async () => {
    const both = (flags: string[], env?: Record<string, string>): Case[] => [
      { args: ['run', join(home, 'unused.yml'), ...flags], ...(env ? { env } : {}) },
      { args: ['resume', 'nope-000000', ...flags], ...(env ? { env } : {}) },
    ];
    writeFileSync(join(home, 'unused.yml'), 'version: "1"\nsteps:\n  - id: a\n    run: echo\n');
    await expectAll(
      'run and resume',
      [
        ...both(['--secrets-file', files['secrets']!]),
        ...both(['--executor-limit', 'podman=2']),
        ...both([], { CARAVAN_REGISTRY: 'ftp://nowhere' }),
        ...both([], { CARAVAN_REGISTRY: unreachable, CARAVAN_REGISTRY_TIMEOUT: 'soon' }),
      ],
      2,
      /^error: (cannot read secrets file|--executor-limit podman=2|the registry URL from CARAVAN_REGISTRY|CARAVAN_REGISTRY_TIMEOUT)/m,
    );
  });
});
