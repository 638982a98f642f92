// Builds the agent's single executable and its portable folder (called by `node scripts/build.mjs --sea`):
//   dist/caravan-agent               Node SEA: the esbuild bundle injected into a stripped copy of node
//   dist/agent-portable/caravan-agent  POSIX sh entry that starts it through the shipped glibc loader
//   dist/agent-portable/bin/caravan-agent, dist/agent-portable/lib/  the executable, ld-linux and the libraries ldd lists
// so the agent runs in images without glibc (busybox, alpine): /caravan/agent/caravan-agent run -- ...
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const ENTRY = `#!/bin/sh
# caravan-agent, portable: runs the bundled executable through the glibc loader shipped beside it,
# so it works in images without glibc (busybox, alpine). Usage: caravan-agent run [--context F] [--report F] -- CMD [ARGS...]
here=\${0%/*}
[ "$here" = "$0" ] && here=.
exec "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib" "$here/bin/caravan-agent" "$@"
`;

/** The shared libraries `ldd` lists for `exe`, as [soname, real path]; the loader comes back as `ld-linux-x86-64.so.2`. */
function libraries(exe) {
  const libs = [];
  for (const line of execFileSync('ldd', [exe], { encoding: 'utf8' }).split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S*ld-linux\S*)\s/.exec(line);
    if (!m) continue;
    const path = m[2] ?? m[1];
    libs.push([basename(m[2] ? m[1] : path), realpathSync(path)]);
  }
  return libs;
}

export async function buildSea(root, { bundle = join(root, 'dist/agent.cjs'), outDir = join(root, 'dist') } = {}) {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs first`);
  const work = mkdtempSync(join(tmpdir(), 'caravan-sea-'));
  try {
    const blob = join(work, 'agent.blob');
    const config = join(work, 'sea-config.json');
    writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
    execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

    mkdirSync(outDir, { recursive: true });
    const exe = join(outDir, 'caravan-agent');
    rmSync(exe, { force: true });
    copyFileSync(process.execPath, exe);
    chmodSync(exe, 0o755);
    try {
      execFileSync('strip', [exe], { stdio: 'ignore' });
    } catch {
      console.warn('sea: `strip` is not available; the executable keeps its debug symbols');
    }
    const { inject } = createRequire(import.meta.url)('postject');
    await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });

    const portable = join(outDir, 'agent-portable');
    rmSync(portable, { recursive: true, force: true });
    mkdirSync(join(portable, 'bin'), { recursive: true });
    mkdirSync(join(portable, 'lib'));
    try {
      linkSync(exe, join(portable, 'bin/caravan-agent'));
    } catch {
      copyFileSync(exe, join(portable, 'bin/caravan-agent'));
    }
    for (const [name, path] of libraries(exe)) {
      copyFileSync(path, join(portable, 'lib', name));
      chmodSync(join(portable, 'lib', name), 0o755);
    }
    if (!existsSync(join(portable, 'lib/ld-linux-x86-64.so.2'))) throw new Error('sea: ldd did not list ld-linux-x86-64.so.2; only x86-64 glibc hosts are supported');
    writeFileSync(join(portable, 'caravan-agent'), ENTRY, { mode: 0o755 });
    return { exe, portable };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
