/** Splits an expression into tokens; never throws. */
import type { ExprError } from './ast.js';

export type Token =
  | { type: 'number'; value: number; offset: number; text: string }
  | { type: 'string'; value: string; offset: number; text: string }
  | { type: 'ident'; value: string; offset: number; text: string }
  | { type: 'punct'; value: PunctValue; offset: number; text: string }
  | { type: 'end'; value: ''; offset: number; text: '' };

export type PunctValue = '.' | ',' | '(' | ')' | '[' | ']' | '!' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

/** Longest first, so `<=` wins over `<`. */
const PUNCTUATION: PunctValue[] = ['==', '!=', '<=', '>=', '&&', '||', '.', ',', '(', ')', '[', ']', '!', '<', '>'];

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const NUMBER = /^-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: ExprError };

export function tokenize(src: string): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === "'") {
      const str = readString(src, i);
      if (!str.ok) return str;
      tokens.push({ type: 'string', value: str.value, offset: i, text: src.slice(i, str.end) });
      i = str.end;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    if (previous?.type === 'punct' && previous.value === '.' && IDENT_PART.test(ch)) {
      // After a dot comes a property name, which may start with a digit: steps.1st.outputs.
      let end = i + 1;
      while (end < src.length && IDENT_PART.test(src[end] as string)) end++;
      const word = src.slice(i, end);
      tokens.push({ type: 'ident', value: word, offset: i, text: word });
      i = end;
      continue;
    }
    const afterValue =
      previous !== undefined && (previous.type !== 'punct' || previous.value === ')' || previous.value === ']');
    if (/[0-9]/.test(ch) || (!afterValue && (ch === '-' || ch === '.') && /[0-9]/.test(src[i + 1] ?? ''))) {
      const match = NUMBER.exec(src.slice(i, i + 64));
      if (match && !IDENT_PART.test(src[i + match[0].length] ?? '')) {
        tokens.push({ type: 'number', value: Number(match[0]), offset: i, text: match[0] });
        i += match[0].length;
        continue;
      }
      return {
        ok: false,
        error: {
          message: `invalid number "${src.slice(i, i + 20)}"`,
          offset: i,
          hint: 'write numbers like 42, -1.5 or 0xff',
        },
      };
    }
    if (IDENT_START.test(ch)) {
      let end = i + 1;
      while (end < src.length && IDENT_PART.test(src[end] as string)) end++;
      const word = src.slice(i, end);
      tokens.push({ type: 'ident', value: word, offset: i, text: word });
      i = end;
      continue;
    }
    const punct = PUNCTUATION.find((p) => src.startsWith(p, i));
    if (punct) {
      tokens.push({ type: 'punct', value: punct, offset: i, text: punct });
      i += punct.length;
      continue;
    }
    return { ok: false, error: unexpectedCharacter(ch, i) };
  }
  tokens.push({ type: 'end', value: '', offset: src.length, text: '' });
  return { ok: true, tokens };
}

function readString(
  src: string,
  start: number,
): { ok: true; value: string; end: number } | { ok: false; error: ExprError } {
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === "'") {
      if (src[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { ok: true, value, end: i + 1 };
    }
    value += ch;
    i++;
  }
  return {
    ok: false,
    error: {
      message: 'unterminated string',
      offset: start,
      hint: "close the string with a single quote; write '' for a quote inside it",
    },
  };
}

function unexpectedCharacter(ch: string, offset: number): ExprError {
  if (ch === '"') return { message: "unexpected character '\"'", offset, hint: "strings use single quotes: 'text'" };
  if (ch === '=') return { message: "unexpected '='", offset, hint: 'compare with ==' };
  if (ch === '&' || ch === '|') return { message: `unexpected '${ch}'`, offset, hint: `use ${ch}${ch}` };
  const shown = JSON.stringify(ch);
  return {
    message: `unexpected character ${shown}`,
    offset,
    hint: 'operators are == != < <= > >= && || ! and functions are called as name(args)',
  };
}
