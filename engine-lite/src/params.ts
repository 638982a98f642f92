/** Run parameters: `--param k=v` checked against the pipeline's `params:` and turned into their types. */
import type { Pipeline } from '@caravan/spec';

export class ParamsError extends Error {}

export function resolveParams(
  pipeline: Pipeline,
  given: Record<string, string | number | boolean>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = pipeline.params ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      const names = Object.keys(declared);
      throw new ParamsError(
        `unknown parameter "${name}": ${names.length ? `this pipeline declares ${names.join(', ')}` : 'this pipeline declares no params'}`,
      );
    }
  }
  for (const [name, def] of Object.entries(declared)) {
    const raw = given[name];
    if (raw === undefined) {
      if (def.default !== undefined) out[name] = def.default;
      else if (def.required)
        throw new ParamsError(`parameter "${name}" is required: pass --param ${name}=<${def.type}>`);
      continue;
    }
    out[name] = coerce(name, def.type, raw);
  }
  return out;
}

function coerce(name: string, type: 'string' | 'number' | 'boolean', raw: string | number | boolean): unknown {
  if (type === 'string') return String(raw);
  if (type === 'number') {
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (typeof raw === 'boolean' || (typeof raw === 'string' && raw.trim() === '') || !Number.isFinite(n))
      throw new ParamsError(`parameter "${name}" must be a number, got "${String(raw)}"`);
    return n;
  }
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ParamsError(`parameter "${name}" must be true or false, got "${String(raw)}"`);
}
