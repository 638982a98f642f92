import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Bundles the agent exactly as scripts/build.mjs does, into a private folder: other parts may be
 * rebuilding dist/ while these tests run.
 */
export async function buildAgentBundle(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'caravan-agent-build-'));
  const outfile = join(dir, 'agent.cjs');
  await build({
    absWorkingDir: root,
    entryPoints: ['agent/src/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

/** The single executable and the portable folder, built by scripts/sea.mjs from a fresh bundle. */
export async function buildAgentSea(): Promise<{ bundle: string; exe: string; portable: string }> {
  const bundle = await buildAgentBundle();
  const { buildSea } = (await import(join(root, 'scripts/sea.mjs'))) as {
    buildSea(root: string, o: { bundle: string; outDir: string }): Promise<{ exe: string; portable: string }>;
  };
  const { exe, portable } = await buildSea(root, { bundle, outDir: dirname(bundle) });
  return { bundle, exe, portable };
}
