/**
 * Secrets: gathered from `--secret NAME=VALUE`, env `CARAVAN_SECRET_<NAME>` and `--secrets-file`
 * (dotenv or JSON), handed to the agent for masking and masked again by the engine before anything
 * is stored. Only their names are ever stored.
 */
import { readFileSync } from 'node:fs';

export class SecretsError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseAssignment(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new SecretsError(`${what} "${text.split('=')[0]}" must be NAME=VALUE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export interface SecretSources {
  flags?: string[];
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/** Later sources win: env, then file, then flags. */
export function gatherSecrets(src: SecretSources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(src.env ?? {})) {
    if (k.startsWith('CARAVAN_SECRET_') && v !== undefined && k.length > 15) out[k.slice(15)] = v;
  }
  if (src.file) Object.assign(out, readSecretsFile(src.file));
  for (const flag of src.flags ?? []) {
    const [k, v] = parseAssignment(flag, '--secret');
    out[k] = v;
  }
  for (const k of Object.keys(out)) {
    if (!NAME.test(k))
      throw new SecretsError(`secret name "${k}" is invalid: use letters, digits and _ (not starting with a digit)`);
  }
  return out;
}

export function readSecretsFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretsError(
      `cannot read secrets file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (text.trimStart().startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new SecretsError(
        `${path}: not valid JSON (${(err as Error).message.replace(/ in JSON.*$/, '')}); expected {"NAME": "value"}`,
      );
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new SecretsError(`${path}: expected a JSON object {"NAME": "value"}`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string') throw new SecretsError(`${path}: secret "${k}" must be a string`);
      out[k] = v;
    }
    return out;
  }
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice(7).trim() : line;
    const eq = body.indexOf('=');
    if (eq <= 0) throw new SecretsError(`${path}:${i + 1}: expected NAME=value`);
    let value = body.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value[0] === '"' ? value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"') : value.slice(1, -1);
    }
    out[body.slice(0, eq).trim()] = value;
  });
  return out;
}

/**
 * The engine-side masker: every secret value, its base64 and its JSON-escaped form, each line of a
 * multi-line secret, longest first, replaced by `***`. A second line of defence behind the agent.
 */
export class SecretMasker {
  private readonly patterns: string[];

  constructor(secrets: Iterable<string>) {
    const set = new Set<string>();
    for (const s of secrets) {
      if (!s) continue;
      set.add(s);
      set.add(Buffer.from(s).toString('base64'));
      set.add(JSON.stringify(s).slice(1, -1));
      for (const line of s.split(/\r?\n/)) if (line.trim().length >= 3) set.add(line.trim());
    }
    this.patterns = [...set].filter((p) => p.length > 0).sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  mask(text: string): string {
    let out = text;
    for (const p of this.patterns) if (out.includes(p)) out = out.split(p).join('***');
    return out;
  }

  /** Masks every string inside a JSON-like value (keys included), keeping its shape. */
  maskDeep<T>(value: T): T {
    if (this.empty) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.mask(v);
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v === 'object' && v !== null)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.mask(k), walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  maskRecord(rec: Record<string, string>): Record<string, string> {
    if (this.empty) return rec;
    return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, this.mask(v)]));
  }
}
