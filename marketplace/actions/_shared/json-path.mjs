// A small JSONPath subset: `$`, `.key`, `['key']`, `["key"]`, `[0]`, `[-1]`. A leading `$` is optional.
import { ActionError } from './io.mjs';

export function parseJsonPath(path) {
  const text = path.trim();
  const segments = [];
  let i = text.startsWith('$') ? 1 : 0;
  if (i === 0 && text !== '' && !text.startsWith('.') && !text.startsWith('[')) {
    i = -1; // bare `a.b` form: treat as if it started with `$.`
  }
  const bad = (why) =>
    new ActionError(
      `bad JSON path "${path}" at character ${Math.max(i, 0) + 1}: ${why}; write it like $.data.items[0].id or $['a key']`,
    );
  while (i < text.length) {
    const c = i < 0 ? '.' : text[i];
    if (c === '.') {
      const start = i + 1;
      let end = start;
      while (end < text.length && /[^.[\]]/.test(text[end])) end++;
      if (end === start) throw bad('a key is missing after "."');
      segments.push(text.slice(start, end));
      i = end;
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      const q = text[i + 1];
      if (q === "'" || q === '"') {
        const endQuote = text.indexOf(q, i + 2);
        if (endQuote < 0 || text[endQuote + 1] !== ']') throw bad(`unterminated quoted key`);
        segments.push(text.slice(i + 2, endQuote));
        i = endQuote + 2;
      } else {
        if (close < 0) throw bad('"[" is not closed');
        const index = text.slice(i + 1, close).trim();
        if (!/^-?\d+$/.test(index)) throw bad(`"[${index}]" is not an index; quote keys: ['${index}']`);
        segments.push(Number(index));
        i = close + 1;
      }
    } else {
      throw bad(`unexpected "${c}"`);
    }
  }
  return segments;
}

function describe(segments, n) {
  let out = '$';
  for (const s of segments.slice(0, n))
    out += typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  return out;
}

/** Returns `{ found: true, value }` or `{ found: false, reason }` saying where the path stops. */
export function lookupJsonPath(doc, path) {
  const segments = parseJsonPath(path);
  let current = doc;
  for (let n = 0; n < segments.length; n++) {
    const seg = segments[n];
    const here = describe(segments, n);
    if (typeof seg === 'number') {
      if (!Array.isArray(current)) return { found: false, reason: `${here} is ${kind(current)}, not a list` };
      const index = seg < 0 ? current.length + seg : seg;
      if (index < 0 || index >= current.length)
        return { found: false, reason: `${here} has ${current.length} items, no index ${seg}` };
      current = current[index];
    } else {
      if (current === null || typeof current !== 'object')
        return { found: false, reason: `${here} is ${kind(current)}, not an object` };
      if (Array.isArray(current) && seg === 'length') {
        current = current.length;
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(current, seg)) {
        const keys = Object.keys(current).slice(0, 10);
        return {
          found: false,
          reason: `${here} has no key "${seg}" (keys: ${keys.length ? keys.join(', ') : 'none'})`,
        };
      }
      current = current[seg];
    }
  }
  return { found: true, value: current };
}

function kind(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** The value at `path`, or an ActionError saying where the path stops. */
export function getJsonPath(doc, path) {
  const result = lookupJsonPath(doc, path);
  if (!result.found) throw new ActionError(`JSON path "${path}" not found: ${result.reason}`);
  return result.value;
}

/** Text form of a JSON value for an output: strings as they are, everything else as JSON. */
export function jsonValueText(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
