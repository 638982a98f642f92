/**
 * The committed OpenAPI document (spec/openapi/registry.yaml), found by walking up from this module so it works
 * bundled too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const RELATIVE = join('spec', 'openapi', 'registry.yaml');

export function openapiPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function loadOpenapi(): unknown {
  const file = openapiPath();
  if (!file) return { openapi: '3.1.0', info: { title: 'Caravan registry', version: '1' }, paths: {} };
  return parse(readFileSync(file, 'utf8')) as unknown;
}
