/** Turns ajv's errors into located, readable issues: one per problem, with what would be valid. */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest, suggestion } from './did-you-mean.js';
import type { SpecIssue } from './issues.js';
import { formatPath, issueAt, type DataPath, type YamlSource } from './yaml-source.js';

type SchemaNode = Record<string, unknown>;

/** Schema errors turned into issues; a hostile file can have one per key, and only the first ones are shown. */
const MAX_SCHEMA_ERRORS = 1000;

export function schemaIssues(validate: ValidateFunction, source: YamlSource): SpecIssue[] {
  if (validate(source.data)) return [];
  const all = relevant(validate.errors ?? []);
  const errors = all.slice(0, MAX_SCHEMA_ERRORS);
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  const unknownKeys = errors.filter((e) => e.keyword === 'additionalProperties');
  const rest = all[MAX_SCHEMA_ERRORS];
  if (rest) {
    const { line, col } = toIssue(rest, source, []) ?? source.locate(pointerToPath(rest.instancePath));
    const more = all.length - MAX_SCHEMA_ERRORS;
    issues.push(
      issueAt(
        source.file,
        line,
        col,
        `${more} more problem${more === 1 ? '' : 's'} with the file's keys and values from here on`,
        'fix the ones above and check again',
      ),
    );
  }
  for (const error of errors) {
    const issue = toIssue(error, source, unknownKeys);
    const id = issue && `${issue.line}:${issue.col}:${issue.message}`;
    if (issue && id && !seen.has(id)) {
      seen.add(id);
      issues.push(issue);
    }
  }
  return issues;
}

/** Drops the errors of the branches of a failed oneOf/anyOf (its own error says it better) and `if`. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const typed = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'propertyNames' || /\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath))
      return false;
    // if/then/else can check one value against two types; the first says enough.
    if (e.keyword === 'type') {
      if (typed.has(e.instancePath)) return false;
      typed.add(e.instancePath);
    }
    return true;
  });
}

/** `label must …` for messages that start with "must", else the message on its own. */
function phrase(label: string, message: string): string {
  return message.startsWith('must') ? `${label} ${message}` : message;
}

function toIssue(error: ErrorObject, source: YamlSource, unknownKeys: ErrorObject[]): SpecIssue | undefined {
  const path = pointerToPath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const custom = customMessage(parent, error.keyword);
  const file = source.file;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String((error.params as { additionalProperty: string }).additionalProperty);
      const keyPath = [...path, name];
      const { line, col } = source.locate(keyPath, 'key');
      const allowed = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
      const where = path.length > 0 ? ` in ${formatPath(path)}` : '';
      return issueAt(
        file,
        line,
        col,
        `unknown key "${name}"${where}`,
        suggestion(name, allowed) || undefined,
        formatPath(keyPath),
      );
    }
    case 'required': {
      const name = String((error.params as { missingProperty: string }).missingProperty);
      // A misspelt key already reported as unknown explains the missing one.
      const misspelt = unknownKeys.some(
        (u) =>
          u.instancePath === error.instancePath &&
          closest(String((u.params as { additionalProperty: string }).additionalProperty), [name]) === name,
      );
      if (misspelt) return undefined;
      const { line, col } = source.locate(path, 'key');
      const what = path.length > 0 ? formatPath(path) : 'the file';
      return issueAt(
        file,
        line,
        col,
        `missing required key "${name}" in ${what}`,
        `add ${name}:`,
        formatPath([...path, name]),
      );
    }
    case 'oneOf':
    case 'anyOf': {
      // "needs uses or run" says nothing new next to `unknown key "ruun" — did you mean "run"?`.
      const branches = (parent[error.keyword] as SchemaNode[] | undefined) ?? [];
      const wanted = branches.flatMap((b) => (Array.isArray(b.required) ? (b.required as string[]) : []));
      if (
        wanted.length > 0 &&
        unknownKeys.some(
          (u) =>
            u.instancePath === error.instancePath &&
            closest(String((u.params as { additionalProperty: string }).additionalProperty), wanted) !== undefined,
        )
      )
        return undefined;
      break;
    }
    default:
      break;
  }
  if (error.propertyName !== undefined) {
    const keyPath = [...path, error.propertyName];
    const { line, col } = source.locate(keyPath, 'key');
    return issueAt(
      file,
      line,
      col,
      `invalid name "${error.propertyName}"`,
      custom ?? error.message,
      formatPath(keyPath),
    );
  }
  const { line, col } = source.locate(path, 'value');
  const key = formatPath(path) || undefined;
  const label = key ?? 'the file';
  const value = valueAt(source.data, path);
  switch (error.keyword) {
    case 'type': {
      const expected = ([] as string[]).concat((error.params as { type: string | string[] }).type);
      const found = describeType(value);
      if (path.length === 0 && (value === null || value === undefined))
        return issueAt(file, line, col, 'the file is empty', 'start with e.g. name: and version:');
      if (path.length === 0)
        return issueAt(
          file,
          line,
          col,
          `the file must be a mapping of keys to values, found ${found}`,
          'start with e.g. name: and version:',
        );
      return issueAt(
        file,
        line,
        col,
        custom
          ? `${phrase(label, custom)}, found ${found}`
          : `${label} must be ${expected.map(article).join(' or ')}, found ${found}`,
        quoteHint(expected, value, source.rawText(path)),
        key,
      );
    }
    case 'enum': {
      const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => String(v));
      const near = typeof value === 'string' ? closest(value, allowed) : undefined;
      const message = custom ? phrase(label, custom) : `${label} must be one of ${allowed.join(', ')}`;
      return issueAt(
        file,
        line,
        col,
        `${message}, found ${JSON.stringify(value)}`,
        near ? `did you mean "${near}"?` : `valid: ${unique(allowed).join(', ')}`,
        key,
      );
    }
    case 'pattern':
      return issueAt(
        file,
        line,
        col,
        `${phrase(label, custom ?? `must match ${String((error.params as { pattern: string }).pattern)}`)}, found ${shorten(value)}`,
        undefined,
        key,
      );
    case 'oneOf':
    case 'anyOf':
      return issueAt(file, line, col, custom ?? `${label} does not match any allowed form`, undefined, key);
    default:
      return issueAt(
        file,
        line,
        col,
        custom ? phrase(label, custom) : `${label} ${error.message ?? 'is invalid'}`,
        undefined,
        key,
      );
  }
}

/** A schema's `errorMessage`: a string for any keyword, or an object by keyword. */
function customMessage(schema: SchemaNode, keyword: string): string | undefined {
  const message = schema.errorMessage;
  if (typeof message === 'string') return keyword === 'type' ? undefined : message;
  if (message && typeof message === 'object') {
    const byKeyword = (message as Record<string, unknown>)[keyword];
    return typeof byKeyword === 'string' ? byKeyword : undefined;
  }
  return undefined;
}

function pointerToPath(pointer: string): DataPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, path: DataPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string ${shorten(value)}`;
  return `${article(typeof value)} ${String(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    null: 'null',
  };
  return names[type] ?? type;
}

function quoteHint(expected: string[], value: unknown, raw: string | undefined): string | undefined {
  if (expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean'))
    return `quote it: "${raw?.trim() ?? String(value)}"`;
  if (expected.includes('array') && typeof value === 'string') return `write a list: [${value}]`;
  return undefined;
}

function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
