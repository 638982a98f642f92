/**
 * The byte patterns that stand for one secret: the value itself, its lines, and the forms the
 * value takes once encoded (base64 at every byte offset and wrapped, hex, URL, JSON, shell quoting, XML).
 * The rules are written for users in docs/masking.md; keep both in step.
 */
import { base64Fragments, wrappedBase64Forms } from './base64.js';

/** Secrets (and lines of multi-line secrets) shorter than this are masked only as whole words. */
export const MIN_SUBSTRING_BYTES = 4;
/** A line of a multi-line secret is registered on its own only from this length on. */
export const MIN_LINE_BYTES = 8;

export interface Pattern {
  bytes: Buffer;
  /** Matches only where the bytes before and after are not word bytes (or start/end). */
  wholeWord: boolean;
}

/** Every pattern for one secret; an empty or whitespace-only secret gives none. */
export function secretPatterns(secret: string): Pattern[] {
  if (secret.trim() === '') return [];
  const found = new Map<string, Pattern>();
  for (const value of secretValues(secret)) {
    addValue(found, value);
  }
  return [...found.values()];
}

/** The secret, its trimmed form, its CRLF/LF twin, and each line long enough to stand alone. */
function secretValues(secret: string): string[] {
  const values = new Set<string>([secret, secret.trim()]);
  if (/[\r\n]/.test(secret)) {
    const lf = secret.replace(/\r\n/g, '\n');
    values.add(lf);
    values.add(lf.replace(/\n/g, '\r\n'));
    values.add(lf.trim());
    for (const line of secret.split(/\r\n|\n|\r/)) {
      const trimmed = line.trim();
      if (Buffer.byteLength(trimmed) >= MIN_LINE_BYTES) values.add(trimmed);
    }
  }
  values.delete('');
  return [...values];
}

function addValue(found: Map<string, Pattern>, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < MIN_SUBSTRING_BYTES) {
    addPattern(found, bytes, true);
    return;
  }
  addPattern(found, bytes, false);
  for (const encoded of encodedForms(value, bytes)) {
    const encodedBytes = Buffer.from(encoded, 'utf8');
    if (encodedBytes.length >= MIN_SUBSTRING_BYTES) addPattern(found, encodedBytes, false);
  }
}

/** A pattern that must match anywhere wins over the same bytes restricted to whole words. */
function addPattern(found: Map<string, Pattern>, bytes: Buffer, wholeWord: boolean): void {
  const key = bytes.toString('latin1');
  const known = found.get(key);
  if (known) known.wholeWord &&= wholeWord;
  else found.set(key, { bytes, wholeWord });
}

function encodedForms(value: string, bytes: Buffer): string[] {
  const uri = encodeURIComponent(value);
  const json = JSON.stringify(value).slice(1, -1);
  const hex = bytes.toString('hex');
  return [
    ...base64Fragments(bytes),
    ...wrappedBase64Forms(bytes),
    hex,
    hex.toUpperCase(),
    uri,
    uri.replace(/%20/g, '+'),
    uri.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    json,
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    json.replace(/\//g, '\\/'),
    value.replace(/'/g, `'\\''`),
    value.replace(/'/g, `'"'"'`),
    value.replace(/'/g, `''`),
    value.replace(/[\\"$`]/g, '\\$&'),
    value.replace(/[ !"#$&'()*;<>?[\\\]^`{|}~]/g, '\\$&'),
    value.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c),
  ];
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
