/** The committed OpenAPI document of the service (spec/openapi/engine.yaml), found by walking up from here. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export function loadEngineOpenapi(): unknown {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'spec', 'openapi', 'engine.yaml');
    if (existsSync(candidate)) return parse(readFileSync(candidate, 'utf8')) as unknown;
    const up = dirname(dir);
    if (up === dir) return { openapi: '3.1.0', info: { title: 'Caravan engine', version: '1' }, paths: {} };
    dir = up;
  }
}
