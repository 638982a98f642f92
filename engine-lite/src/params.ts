/**
 * Run parameters: `--param k=v` (or the API's params) checked against the pipeline's `params:` and
 * turned into their types. Each error points at the param's declaration in the pipeline file, so it
 * reads `p.yml:6:3: --param n="abc" is not a number`, with a hint of its own.
 */
import { closest, type Pipeline, type SourceLocation } from '@caravan/spec';

export class ParamsError extends Error {
  constructor(
    readonly where: SourceLocation,
    readonly what: string,
    readonly hint?: string,
  ) {
    super(`${where.file}:${where.line}:${where.col}: ${what}`);
  }
}

type Given = Record<string, unknown>;

export function resolveParams(pipeline: Pipeline, given: Given): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = pipeline.params ?? {};
  const names = Object.keys(declared);
  const where = (name?: string): SourceLocation =>
    (name === undefined ? undefined : declared[name]?.loc) ??
    Object.values(declared)[0]?.loc ?? { file: pipeline.file, line: 1, col: 1 };
  for (const name of Object.keys(given)) {
    if (name in declared) continue;
    const near = closest(name, names);
    throw new ParamsError(
      where(),
      `--param ${name}: this pipeline has no param "${name}"`,
      near ? `did you mean "${near}"?` : names.length ? `declared: ${names.join(', ')}` : 'declare it under params:',
    );
  }
  for (const [name, def] of Object.entries(declared)) {
    const raw = given[name];
    if (raw === undefined) {
      if (def.default !== undefined) out[name] = def.default;
      else if (def.required)
        throw new ParamsError(where(name), `param "${name}" is required`, `pass --param ${name}=<${def.type}>`);
      continue;
    }
    out[name] = coerce(name, def.type, raw, where(name));
  }
  return out;
}

function coerce(name: string, type: 'string' | 'number' | 'boolean', raw: unknown, at: SourceLocation): unknown {
  const refuse = () => {
    const shown = JSON.stringify(typeof raw === 'string' ? raw : String(raw)).slice(0, 60);
    throw new ParamsError(
      at,
      `--param ${name}=${shown} is not a ${type}`,
      type === 'number'
        ? 'pass a finite number, e.g. 3'
        : type === 'boolean'
          ? 'pass true or false (or 1 or 0)'
          : 'pass text',
    );
  };
  // objects, lists and null can arrive through the engine's API; none is a param value
  if (raw === null || typeof raw === 'object') return refuse();
  if (type === 'string') return String(raw);
  if (type === 'number') {
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (typeof raw === 'boolean' || (typeof raw === 'string' && raw.trim() === '') || !Number.isFinite(n)) refuse();
    return n;
  }
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return refuse();
}
