/**
 * The engine's masking uses the agent's masker (agent/src/mask, rules in docs/masking.md), so a
 * secret is hidden by the same rules in what the agent prints and in what the engine stores or
 * sends: log lines, agent events and reports, outputs, errors, hook errors, webhook failures.
 */
import { createMasker } from '@caravan/agent';

export interface TextMasker {
  /** False when there is no secret to hide: callers may skip the work. */
  readonly active: boolean;
  /** A whole string, masked with the agent's rules. */
  mask(text: string): string;
  maskRecord(record: Record<string, string>): Record<string, string>;
  /** Every string inside a JSON-like value (keys included), keeping its shape. */
  maskDeep<T>(value: T): T;
}

export function textMasker(secrets: readonly string[]): TextMasker {
  const masker = createMasker(secrets);
  const active = secrets.some((s) => s.trim() !== '');
  const mask = (text: string): string => masker.maskString(text);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return mask(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [mask(k), walk(x)]));
    return v;
  };
  return {
    active,
    mask: active ? mask : (text) => text,
    maskRecord: (record) =>
      active ? Object.fromEntries(Object.entries(record).map(([k, v]) => [k, mask(v)])) : record,
    maskDeep: <T>(value: T): T => (active ? (walk(value) as T) : value),
  };
}

/** A masker that learns more secrets as runs bring them (the service: each run has its own). */
export interface GrowingMasker extends TextMasker {
  add(secrets: readonly string[]): void;
}

export function growingMasker(initial: readonly string[]): GrowingMasker {
  const known = new Set(initial);
  let inner = textMasker([...known]);
  return {
    get active() {
      return inner.active;
    },
    mask: (text) => inner.mask(text),
    maskRecord: (record) => inner.maskRecord(record),
    maskDeep: (value) => inner.maskDeep(value),
    add(secrets) {
      const before = known.size;
      for (const s of secrets) known.add(s);
      if (known.size !== before) inner = textMasker([...known]);
    },
  };
}

/**
 * Log entries masked as `mask` would mask each line, for a fraction of the calls: the lines of a
 * run of one stream and time are masked as one text. Where that could differ from line by line
 * (a match across a line end, escape sequences, a line holding a newline) the run goes line by line.
 */
export function maskLogEntries<E extends { stream: string; text: string; ts: number }>(
  m: Pick<TextMasker, 'mask'>,
  entries: readonly E[],
): E[] {
  const out: E[] = [];
  for (let start = 0; start < entries.length;) {
    let end = start + 1;
    const first = entries[start]!;
    while (end < entries.length && entries[end]!.stream === first.stream && entries[end]!.ts === first.ts) end++;
    out.push(...maskRun(m, entries.slice(start, end)));
    start = end;
  }
  return out;
}

function maskRun<E extends { text: string }>(m: Pick<TextMasker, 'mask'>, run: E[]): E[] {
  const lineByLine = () => run.map((e) => ({ ...e, text: m.mask(e.text) }));
  if (run.length === 1 || run.some((e) => e.text.includes('\n') || e.text.includes('\u001b'))) return lineByLine();
  const joined = run.map((e) => e.text).join('\n');
  const masked = m.mask(joined);
  if (masked === joined) return run;
  const lines = masked.split('\n');
  // a match that took a line end with it: the lines no longer line up
  if (lines.length !== run.length) return lineByLine();
  return run.map((e, i) => ({ ...e, text: lines[i]! }));
}
