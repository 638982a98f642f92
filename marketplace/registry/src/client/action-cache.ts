import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractTarball, inspectTarball, integrityHex, TarballError } from '../tarball/index.js';

/** What a cached folder must hold: each file's sha256, each symlink's target. */
interface Manifest {
  integrity: string;
  name: string;
  version: string;
  entries: Record<string, string>;
}

export interface CachedAction {
  name: string;
  version: string;
  integrity: string;
  dir: string;
}

export interface ResolutionMemo {
  name: string;
  version: string;
  integrity: string;
  warnings: string[];
  resolvedAt: string;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Files and symlinks under `dir`, as manifest entries. */
async function scan(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = await lstat(join(dir, path));
      if (stat.isDirectory()) await walk(path);
      else if (stat.isSymbolicLink()) out[path] = `symlink:${await readlink(join(dir, path))}`;
      else out[path] = `sha256:${sha256(await readFile(join(dir, path)))}`;
    }
  };
  await walk('');
  return out;
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Unpacked actions under `<cacheDir>/actions/<sha512 hex prefix>/`, keyed by integrity, each with a
 * manifest beside it (`<prefix>.json`). A folder is used only if it still matches its manifest;
 * anything else is removed and unpacked again. Also remembers the last resolution of each
 * `name@range` per registry, for use when the registry cannot be reached.
 */
export class ActionCache {
  constructor(readonly cacheDir: string) {}

  private key(integrity: string): string {
    const hex = integrityHex(integrity);
    if (!hex) throw new Error(`"${integrity.slice(0, 100)}" is not an sha512 integrity (sha512-<base64>)`);
    return hex.slice(0, 64);
  }

  private get actionsDir(): string {
    return join(this.cacheDir, 'actions');
  }

  dirFor(integrity: string): string {
    return join(this.actionsDir, this.key(integrity));
  }

  private manifestPath(integrity: string): string {
    return `${this.dirFor(integrity)}.json`;
  }

  /** The cached action for this integrity, or undefined when absent or damaged. */
  async lookup(integrity: string): Promise<CachedAction | undefined> {
    const manifest = await readJson<Manifest>(this.manifestPath(integrity));
    if (!manifest || manifest.integrity !== integrity || typeof manifest.entries !== 'object') return undefined;
    const dir = this.dirFor(integrity);
    const found = await scan(dir).catch(() => undefined);
    if (!found || !sameEntries(found, manifest.entries)) return undefined;
    return { name: manifest.name, version: manifest.version, integrity, dir };
  }

  /** Unpacks a verified tarball into the cache; safe against concurrent stores of the same one. */
  async store(tgz: Buffer, integrity: string, name: string, version: string): Promise<CachedAction> {
    const pkg = await inspectTarball(tgz);
    const entries: Record<string, string> = {};
    for (const e of pkg.entries) {
      if (e.type === 'file') entries[e.path] = `sha256:${sha256(pkg.file(e.path) ?? Buffer.alloc(0))}`;
      if (e.type === 'symlink') entries[e.path] = `symlink:${e.linkTarget ?? ''}`;
    }
    const dir = this.dirFor(integrity);
    await mkdir(this.actionsDir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await extractTarball(tgz, dir);
        break;
      } catch (err) {
        if (!(err instanceof TarballError && err.code === 'destination-exists') || attempt > 0) throw err;
        // Another process may have unpacked the same bytes; keep its folder if it is intact.
        const existing = await scan(dir).catch(() => undefined);
        if (existing && sameEntries(existing, entries)) break;
        await rm(dir, { recursive: true, force: true });
      }
    }
    const manifest: Manifest = { integrity, name, version, entries };
    await writeAtomic(this.manifestPath(integrity), JSON.stringify(manifest));
    return { name, version, integrity, dir };
  }

  private memoPath(registry: string, name: string, range: string): string {
    return join(this.cacheDir, 'resolutions', `${sha256(`${registry}\n${name}@${range}`)}.json`);
  }

  async remember(registry: string, range: string, memo: ResolutionMemo): Promise<void> {
    await mkdir(join(this.cacheDir, 'resolutions'), { recursive: true });
    await writeAtomic(this.memoPath(registry, memo.name, range), JSON.stringify(memo));
  }

  async recall(registry: string, name: string, range: string): Promise<ResolutionMemo | undefined> {
    const memo = await readJson<ResolutionMemo>(this.memoPath(registry, name, range));
    return memo && memo.name === name && typeof memo.integrity === 'string' && typeof memo.version === 'string'
      ? memo
      : undefined;
  }
}
