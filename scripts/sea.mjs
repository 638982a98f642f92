// Builds the agent's single executable and its portable folder (called by `node scripts/build.mjs --sea`):
//   dist/caravan-agent               Node SEA: a stripped copy of node with scripts/sea/loader.cjs as main,
//                                    the esbuild bundle and a warm V8 code cache of it as assets
//   dist/agent-portable/caravan-agent  the entry: a static launcher (scripts/sea/launcher.c, built with
//                                    `cc -static`) that starts it through the shipped glibc loader; where no C
//                                    compiler with a static libc is found, a POSIX sh script doing the same
//   dist/agent-portable/bin/caravan-agent, dist/agent-portable/lib/  the executable, ld-linux and the libraries
//                                    ldd lists
//   dist/agent-portable/agent.json   agentManifest() of @caravan/agent: which agent (version, protocol) it is
// so the agent runs in images without glibc (busybox, alpine), or without a shell: /caravan/caravan-agent run -- ...
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const ENTRY = `#!/bin/sh
# caravan-agent, portable: runs the bundled executable through the glibc loader shipped beside it,
# so it works in images without glibc (busybox, alpine). Usage: caravan-agent run [--context F] [--report F] -- CMD [ARGS...]
here=\${0%/*}
[ "$here" = "$0" ] && here=.
exec "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib" "$here/bin/caravan-agent" "$@"
`;

/** `agentManifest()` of the agent's sources (agent/src/version.ts), bundled on the fly: this script is plain JS. */
export async function readAgentManifest(root) {
  const out = await build({
    entryPoints: [join(root, 'agent/src/version.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const mod = await import(`data:text/javascript,${encodeURIComponent(out.outputFiles[0].text)}`);
  return mod.agentManifest();
}

/**
 * Writes the portable entry to `file`: the static launcher when `cc -static` can build it (true), else
 * the sh script (false), which needs a /bin/sh in the image.
 */
export function writeEntry(file, work, cc = 'cc') {
  try {
    execFileSync(cc, ['-static', '-Os', '-s', '-o', file, join(here, 'sea/launcher.c')], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return true;
  } catch (err) {
    const why = err.code === 'ENOENT' ? 'no C compiler (cc)' : `${err.stderr ?? err.message}`.trim();
    console.warn(`sea: the static entry could not be built (${why}); caravan-agent is a sh script that needs /bin/sh`);
    rmSync(file, { force: true });
    writeFileSync(file, ENTRY, { mode: 0o755 });
    return false;
  }
}

/** Runs node with `args`; its output is shown only when it fails. */
function quietly(args, options) {
  try {
    execFileSync(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`sea: node ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}

/**
 * The shared libraries `ldd` lists for `exe`, as [soname, real path]; the loader comes back as
 * `ld-linux-x86-64.so.2`.
 */
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
    const cache = join(work, 'agent.cache');
    const config = join(work, 'sea-config.json');
    // the cache is checked against V8's flags: made without NODE_OPTIONS, as the executable starts
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    quietly([join(here, 'sea/code-cache.cjs'), bundle, cache], { env, cwd: work });
    writeFileSync(
      config,
      JSON.stringify({
        main: join(here, 'sea/loader.cjs'),
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
        assets: { 'agent.cjs': bundle, 'agent.cache': cache },
      }),
    );
    quietly(['--experimental-sea-config', config], { env, cwd: work });

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
    if (!existsSync(join(portable, 'lib/ld-linux-x86-64.so.2')))
      throw new Error('sea: ldd did not list ld-linux-x86-64.so.2; only x86-64 glibc hosts are supported');
    const staticEntry = writeEntry(join(portable, 'caravan-agent'), work);
    writeFileSync(join(portable, 'agent.json'), `${JSON.stringify(await readAgentManifest(root), null, 2)}\n`);
    return { exe, portable, staticEntry };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
