import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionError, engineEnv, getInput, info, run, setOutput, warning, workspacePath } from './lib/io.mjs';
import { copyTree, publishDir, treeStats } from './lib/tree.mjs';

function entryDir(store, key) {
  return join(store, createHash('sha256').update(key).digest('hex'));
}

function readEntries(store) {
  const entries = [];
  for (const name of existsSync(store) ? readdirSync(store) : []) {
    try {
      const meta = JSON.parse(readFileSync(join(store, name, 'meta.json'), 'utf8'));
      if (typeof meta.key === 'string') entries.push({ ...meta, dir: join(store, name) });
    } catch {
      // A staging folder or a foreign file: not a cache entry.
    }
  }
  return entries;
}

function findEntry(store, key, prefixes) {
  const exact = entryDir(store, key);
  if (existsSync(join(exact, 'meta.json'))) return { key, dir: exact };
  const entries = readEntries(store);
  for (const prefix of prefixes) {
    const matches = entries
      .filter((e) => e.key.startsWith(prefix))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    if (matches[0]) return matches[0];
  }
  return undefined;
}

function validateKey(key, input) {
  if (key.length > 512)
    throw new ActionError(`input "${input}" is ${key.length} characters long; a cache key has at most 512`);
  if ([...key].some((c) => c.charCodeAt(0) < 32))
    throw new ActionError(`input "${input}" must be one line of text without control characters`);
}

run(() => {
  const mode = getInput('mode', { required: true, enum: ['restore', 'save'] });
  const key = getInput('key', { required: true }).trim();
  validateKey(key, 'key');
  const path = workspacePath(getInput('path', { required: true }));
  const prefixes = getInput('restore-keys', { type: 'string[]', default: [] });
  prefixes.forEach((p) => validateKey(p, 'restore-keys'));
  const store = engineEnv('CARAVAN_CACHE_DIR', 'the cache store directory');
  mkdirSync(store, { recursive: true });

  if (mode === 'restore') {
    const entry = findEntry(store, key, prefixes);
    if (!entry) {
      info(`Cache miss for key ${key}`);
      setOutput('hit', false);
      setOutput('matched-key', '');
      return;
    }
    mkdirSync(path, { recursive: true });
    copyTree(join(entry.dir, 'data'), path);
    const { files, bytes } = treeStats(path);
    info(
      `Restored ${entry.key === key ? 'exact key' : `key ${entry.key} (by prefix)`} into ${path}: ${files} files, ${bytes} bytes`,
    );
    setOutput('hit', entry.key === key);
    setOutput('matched-key', entry.key);
    return;
  }

  if (!existsSync(path) || !statSync(path).isDirectory()) {
    warning(`path ${path} is not a directory: nothing saved under key ${key}`);
    setOutput('saved', false);
    return;
  }
  const final = entryDir(store, key);
  if (existsSync(final)) {
    info(`Cache key ${key} already exists: entries never change, so it is not saved again`);
    setOutput('saved', false);
    return;
  }
  const staged = mkdtempSync(join(store, '.staging-'));
  copyTree(path, join(staged, 'data'));
  const { files, bytes } = treeStats(join(staged, 'data'));
  writeFileSync(join(staged, 'meta.json'), JSON.stringify({ key, createdAt: new Date().toISOString(), files, bytes }));
  const saved = publishDir(staged, final);
  info(
    saved
      ? `Saved ${files} files (${bytes} bytes) under key ${key}`
      : `Cache key ${key} was saved by another step meanwhile; kept that one`,
  );
  setOutput('saved', saved);
});
