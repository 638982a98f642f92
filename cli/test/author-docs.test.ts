/** `caravan action docs`: the README section from action.yml, printed, written, and checked. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCS_END, DOCS_START } from '@caravan/spec';
import { caravan, ensureBuilt } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

let dir: string;
const yml = `name: acme/deploy
version: 2.1.0
description: Deploys the build | to a target.
category: deploy
inputs:
  target:
    type: string
    description: Where to deploy.
    required: true
    enum: [staging, production]
  token:
    type: string
    description: API token.
    secret: true
  replicas:
    type: number
    default: 2
    description: How many.
outputs:
  url:
    type: string
    description: Where it runs.
runs:
  node: index.mjs
`;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'caravan-docs-'));
  writeFileSync(join(dir, 'action.yml'), yml);
  writeFileSync(join(dir, 'README.md'), '# Deploy\n\nHand-written intro.\n');
});

describe('caravan action docs', () => {
  it('prints the section: inputs and outputs tables and a usage snippet', async () => {
    const run = await caravan(['action', 'docs', dir], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('## `acme/deploy`');
    expect(run.stdout).toContain('Deploys the build | to a target.');
    expect(run.stdout).toContain('| `target` | `staging \\| production` | yes |  | Where to deploy. |');
    expect(run.stdout).toContain('| `token` | `string` | no |  | API token. (secret: masked in logs) |');
    expect(run.stdout).toContain('| `replicas` | `number` | no | `2` | How many. |');
    expect(run.stdout).toContain('| `url` | `string` | Where it runs. |');
    expect(run.stdout).toContain('    uses: acme/deploy@^2\n    with:\n      target: staging');
  });

  it('writes the section into README.md, keeps the rest, and checks it is up to date', async () => {
    const stale = await caravan(['action', 'docs', '--check'], { cwd: dir });
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/README\.md is out of date with action\.yml: run `caravan action docs \. --write`/);

    expect((await caravan(['action', 'docs', '--write'], { cwd: dir })).exitCode).toBe(0);
    expect((await caravan(['action', 'docs', '--write'], { cwd: dir })).exitCode).toBe(0);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme.startsWith('# Deploy\n\nHand-written intro.\n\n')).toBe(true);
    expect(readme.split(DOCS_START)).toHaveLength(2);
    expect(readme.trimEnd().endsWith(DOCS_END)).toBe(true);
    expect((await caravan(['action', 'docs', '--check'], { cwd: dir })).exitCode).toBe(0);

    writeFileSync(join(dir, 'action.yml'), yml.replace('How many.', 'How many copies.'));
    expect((await caravan(['action', 'docs', '--check'], { cwd: dir })).exitCode).toBe(1);
  });

  it('says where action.yml is wrong', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'caravan-docs-bad-'));
    writeFileSync(
      join(bad, 'action.yml'),
      'name: acme/x\nversion: 1.0.0\nruns: {node: a.mjs}\ninputs:\n  a:\n    type: strng\n',
    );
    const run = await caravan(['action', 'docs', bad], { cwd: bad });
    // exit 2, as for every command given an invalid action.yml (docs/cli.md)
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/action\.yml:6:\d+: error: .*type/);
    const none = await caravan(['action', 'docs', join(bad, 'nope')], { cwd: bad });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/nope/);
  });
});
