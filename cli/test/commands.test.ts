/**
 * Every command in oclif's manifest extends the one base command and keeps its error handling, and
 * the shared flags are the shared ones. The classes are imported from source, so this checks the
 * code, and the manifest (built by scripts/build.mjs) checks that no command is missing from it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaravanCommand, registryFlags } from '../src/lib/base-command.js';
import { ensureBuilt, root } from './author-helpers.js';

interface ManifestCommand {
  id: string;
  relativePath: string[];
  flags: Record<string, { type: string }>;
}

let manifest: Record<string, ManifestCommand>;

beforeAll(() => {
  ensureBuilt();
  manifest = (
    JSON.parse(readFileSync(join(root, '.oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, ManifestCommand>;
    }
  ).commands;
});

/** `dist/cli/commands/action/yank.js` → `cli/src/commands/action/yank.ts`. */
function sourceOf(cmd: ManifestCommand): string {
  const rel = cmd.relativePath.slice(cmd.relativePath.indexOf('commands') + 1).join('/');
  return join(root, 'cli/src/commands', rel.replace(/\.js$/, '.ts'));
}

async function load(cmd: ManifestCommand): Promise<typeof CaravanCommand> {
  return ((await import(sourceOf(cmd))) as { default: typeof CaravanCommand }).default;
}

describe('every caravan command', () => {
  it('is in the manifest, one for each source file', () => {
    const sources = readdirSync(join(root, 'cli/src/commands'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, 'cli/src/commands', f))
      .sort();
    expect(Object.values(manifest).map(sourceOf).sort()).toEqual(sources);
    expect(sources.length).toBeGreaterThan(25);
  });

  it('extends CaravanCommand and leaves its error handling alone', async () => {
    for (const cmd of Object.values(manifest)) {
      const Class = await load(cmd);
      expect(Class.prototype, cmd.id).toBeInstanceOf(CaravanCommand);
      for (let c = Class.prototype; c !== CaravanCommand.prototype; c = Object.getPrototypeOf(c) as typeof c)
        expect(Object.hasOwn(c, 'catch'), `${cmd.id} overrides catch`).toBe(false);
    }
  });

  it('takes --registry and --token from the shared set, and --json as a boolean', async () => {
    for (const cmd of Object.values(manifest)) {
      const flags = (await load(cmd)).flags ?? {};
      if ('registry' in flags) expect(flags['registry'], cmd.id).toBe(registryFlags.registry);
      // `caravan login` reads the token it stores, so its --token means something else
      if ('token' in flags && cmd.id !== 'login') expect(flags['token'], cmd.id).toBe(registryFlags.token);
      if ('json' in flags) expect(cmd.flags['json']?.type, cmd.id).toBe('boolean');
    }
  });
});
