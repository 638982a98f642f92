/** Every built-in action folder: a valid action.yml, self-contained helpers, an up-to-date README. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadActionFile } from '@caravan/spec';
import { currentDocsSection, renderActionDocs } from '@caravan/spec';
import { actionsDir } from './test-helpers.js';

const builtins = readdirSync(actionsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(actionsDir, e.name, 'action.yml')))
  .map((e) => e.name);
const sharedDir = join(actionsDir, '_shared');
const helpers = readdirSync(sharedDir).filter((f) => f.endsWith('.mjs') && f !== 'sync.mjs');

describe('built-in actions', () => {
  it('include at least the ten the platform promises', () => {
    expect(builtins).toEqual(
      expect.arrayContaining([
        'shell',
        'echo',
        'git-checkout',
        'http',
        'json-parse',
        'assert',
        'wait',
        'cache',
        'artifact',
        'approval',
      ]),
    );
  });

  describe.each(builtins)('%s', (name) => {
    it('has a valid action.yml: caravan/<folder>@1.0.0 run by node index.mjs, with a category and typed outputs', async () => {
      const result = await loadActionFile(join(actionsDir, name));
      if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
      expect(result.warnings.map(formatIssue)).toEqual([]);
      const spec = result.value;
      expect(spec.name).toBe(`caravan/${name}`);
      expect(spec.version).toBe('1.0.0');
      expect(spec.runs).toEqual({ node: 'index.mjs' });
      expect(spec.category).toBeTruthy();
      expect(spec.description.length).toBeGreaterThan(20);
      for (const [input, decl] of Object.entries(spec.inputs)) expect(decl.description, `input ${input}`).toBeTruthy();
      expect(Object.keys(spec.outputs).length).toBeGreaterThan(0);
    });

    it('parses as JavaScript', () => {
      for (const file of ['index.mjs', ...readdirSync(join(actionsDir, name, 'lib')).map((f) => `lib/${f}`)]) {
        execFileSync(process.execPath, ['--check', join(actionsDir, name, file)], { stdio: 'pipe' });
      }
    });

    it('imports only Node built-ins and its own files', () => {
      const files = ['index.mjs', ...readdirSync(join(actionsDir, name, 'lib')).map((f) => `lib/${f}`)];
      for (const file of files) {
        const text = readFileSync(join(actionsDir, name, file), 'utf8');
        for (const [, spec] of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
          expect(spec!.startsWith('node:') || spec!.startsWith('./'), `${name}/${file} imports ${spec}`).toBe(true);
        }
      }
    });

    it('carries the current copy of the shared helpers (made by scripts/build.mjs)', () => {
      for (const helper of helpers) {
        expect(readFileSync(join(actionsDir, name, 'lib', helper), 'utf8'), `${name}/lib/${helper}`).toBe(
          readFileSync(join(sharedDir, helper), 'utf8'),
        );
      }
    });

    it('is listed in the built-in actions reference of docs/authoring.md', () => {
      const doc = readFileSync(join(actionsDir, '..', '..', 'docs', 'authoring.md'), 'utf8');
      expect(doc).toContain(`[\`caravan/${name}\`](../marketplace/actions/${name}/README.md)`);
    });

    it('has a README whose generated section is up to date (caravan action docs --write)', async () => {
      const result = await loadActionFile(join(actionsDir, name));
      if (!result.ok) throw new Error('invalid action.yml');
      const readme = readFileSync(join(actionsDir, name, 'README.md'), 'utf8');
      expect(currentDocsSection(readme)).toBe(renderActionDocs(result.value));
    });
  });
});
