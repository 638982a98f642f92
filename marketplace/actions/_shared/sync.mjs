#!/usr/bin/env node
// Copies the shared helpers into every built-in action's lib/ folder (each folder stays self-contained).
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const shared = dirname(fileURLToPath(import.meta.url));
const actions = dirname(shared);
const helpers = readdirSync(shared).filter((f) => f.endsWith('.mjs') && f !== 'sync.mjs');
for (const entry of readdirSync(actions, { withFileTypes: true })) {
  if (!entry.isDirectory() || !existsSync(join(actions, entry.name, 'action.yml'))) continue;
  mkdirSync(join(actions, entry.name, 'lib'), { recursive: true });
  for (const f of helpers) copyFileSync(join(shared, f), join(actions, entry.name, 'lib', f));
}
