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
