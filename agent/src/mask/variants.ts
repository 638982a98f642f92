/**
 * The byte patterns that stand for one secret: the value itself, its lines, and the forms the
 * value takes once encoded (base64 at every byte offset and wrapped, hex, URL, JSON, shell quoting, XML),
 * including every encoder GitHub's runner registers (runnerEncodings).
 * The rules are written for users in docs/masking.md; keep both in step.
 */
import { base64Fragments, shiftedBase64Forms, wrappedBase64Forms } from './base64.js';

/** Secrets (and lines of multi-line secrets) shorter than this are masked only as whole words. */
export const MIN_SUBSTRING_BYTES = 4;
/**
 * A secret of 4 or 5 digits (a PIN, a short code) is masked only as a whole word too, so that it
 * does not hide every longer number (dates, sizes, line numbers) that contains it.
 */
const SHORT_NUMBER = /^[0-9]{4,5}$/;
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
  if (SHORT_NUMBER.test(value)) {
    // Its other forms are the digits themselves, or base64 fragments of 4-5 characters that base64
    // of any longer number holds; only the whole base64 (6-8 characters) is specific enough.
    addPattern(found, bytes, true);
    const base64 = bytes.toString('base64');
    addPattern(found, Buffer.from(base64), false);
    addPattern(found, Buffer.from(base64.replace(/=+$/, '')), false);
    return;
  }
  addPattern(found, bytes, false);
  // most forms of a plain value are the value itself: each distinct one is encoded once
  const forms = new Set(
    UNESCAPED.test(value) ? binaryForms(bytes) : [...encodedForms(value, bytes), ...runnerEncodings(value)],
  );
  forms.delete(value);
  for (const encoded of forms) {
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

/**
 * A value of these characters only is its own URL, JSON, shell, XML and runner-escaped form (none
 * of them escapes any of these): only its binary encodings differ. Most secrets are such tokens,
 * and the escaping rules cost a dozen regular expressions each (a masker of 1,000 secrets is built
 * at every step's start).
 */
const UNESCAPED = /^[A-Za-z0-9_.-]*$/;

/** The forms of `encodedForms` and `runnerEncodings` that are not the value itself, for an UNESCAPED value. */
export function binaryForms(bytes: Buffer): string[] {
  const hex = bytes.toString('hex');
  return [
    ...base64Fragments(bytes),
    ...wrappedBase64Forms(bytes),
    hex,
    hex.toUpperCase(),
    bytes.toString('base64'),
    ...shiftedBase64Forms(bytes),
  ];
}

export function encodedForms(value: string, bytes: Buffer): string[] {
  const uri = uriComponent(value);
  const json = JSON.stringify(value).slice(1, -1);
  const hex = bytes.toString('hex');
  return [
    ...base64Fragments(bytes),
    ...wrappedBase64Forms(bytes),
    hex,
    hex.toUpperCase(),
    ...(uri === undefined
      ? []
      : [uri, uri.replace(/%20/g, '+'), uri.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()), formUrlEncoded(uri)]),
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

/**
 * What GitHub's runner masks for a value besides the value itself: the encoders it registers at
 * start-up (HostContext, from ValueEncoders.cs), each as the runner computes it. Most coincide with
 * a form above; listed whole here so that none is missed when either list changes.
 */
export function runnerEncodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const uri = uriComponent(value);
  return [
    // Base64StringEscape, Base64StringEscapeShift1/2: the value, and the value without its first 1 or
    // 2 bytes, so that a `user:` prefix before it in one blob cannot change its encoding
    bytes.toString('base64'),
    ...shiftedBase64Forms(bytes),
    // CommandLineArgumentEscape: only `"` becomes `\"` (docker -e arguments)
    value.replace(/"/g, '\\"'),
    // ExpressionStringEscape: `'` doubled
    value.replace(/'/g, "''"),
    // JsonStringEscape (Newtonsoft): also escapes U+0085, U+2028 and U+2029, which JSON.stringify keeps
    JSON.stringify(value)
      .slice(1, -1)
      .replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    // UriDataEscape (.NET Uri.EscapeDataString, RFC 3986): also escapes ! ' ( ) *
    ...(uri === undefined ? [] : [uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)]),
    // XmlDataEscape (SecurityElement.Escape)
    value.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c),
    // TrimDoubleQuotes: the inside of a quoted secret longer than 8 characters
    ...(value.length > 8 && value.startsWith('"') && value.endsWith('"') ? [value.slice(1, -1)] : []),
    // PowerShellPreAmpersandEscape / PostAmpersandEscape: the parts of `a&b&c` PowerShell prints
    // apart (with colour codes between them) when it runs the value as a command, 6 characters or more
    ...powerShellSections(value),
  ];
}

function powerShellSections(value: string): string[] {
  if (!value.includes('&')) return [];
  const plus = value.indexOf('&+');
  const before = plus >= 0 ? value.slice(0, plus + 2) : value.slice(0, value.lastIndexOf('&') + 1);
  // after `&+`, PowerShell colours the next character on its own: it is skipped
  const after =
    plus >= 0 ? (value.length > plus + 3 ? value.slice(plus + 3) : '') : value.slice(value.lastIndexOf('&') + 1);
  return [before, after].filter((section) => section.length >= 6);
}

/**
 * The value as an HTML form (or URLSearchParams) writes it, from its encodeURIComponent form:
 * `! ' ( ) ~` escaped too and `+` for a space. URLSearchParams itself costs ~50 µs a value.
 */
export function formUrlEncoded(uri: string): string {
  return uri.replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/** encodeURIComponent, or undefined for a value it refuses (a lone surrogate). */
function uriComponent(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
