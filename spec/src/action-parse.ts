/** Parses and validates `action.yml`. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ActionFile,
  ActionInput,
  ActionOutput,
  ActionRuns,
  ActionSpec,
  CacheDecl,
  InputType,
} from './action-types.js';
import { checkDurationLimit, parseDuration } from './duration.js';
import type { ParseResult, SpecIssue } from './issues.js';
import { schemaIssues } from './schema-issues.js';
import { validatorFor } from './schemas.js';
import { byPosition, capIssues, formatPath, issueAt, loadYaml, type YamlSource } from './yaml-source.js';
import { readSpecFile } from './read-spec-file.js';
import { asList, asRecord, isRecord, type Raw } from './records.js';

export function parseActionYaml(text: string, file: string): ParseResult<ActionSpec> {
  const loaded = loadYaml(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors, warnings: capIssues(loaded.warnings) };
  const { source } = loaded;
  const errors = schemaIssues(validatorFor('action'), source);
  const warnings = [...loaded.warnings];
  const data = isRecord(source.data) ? source.data : {};
  checkInputs(data.inputs, source, errors, warnings);
  checkRuns(data.runs, source, errors);
  checkUniqueNames(data.files, 'files', source, errors);
  checkDurationLimit(data.timeout, ['timeout'], source, errors);
  errors.sort(byPosition);
  warnings.sort(byPosition);
  if (errors.length > 0) return { ok: false, errors: capIssues(errors), warnings: capIssues(warnings) };
  return { ok: true, value: build(data), warnings: capIssues(warnings) };
}

/** Reads `action.yml` from a file path or from a folder that contains it. */
export async function loadActionFile(pathOrDir: string): Promise<ParseResult<ActionSpec>> {
  const file = await resolveActionFile(pathOrDir);
  const read = await readSpecFile(
    file,
    'action.yml',
    'run `caravan action init` to create one, or pass the folder that contains action.yml',
  );
  if (!read.ok) return { ok: false, errors: [read.error], warnings: [] };
  return parseActionYaml(read.text, file);
}

/** The manifest's path: `pathOrDir` itself, or `action.yml` (else `action.yaml`) inside a folder. */
export async function resolveActionFile(pathOrDir: string): Promise<string> {
  try {
    if (!(await stat(pathOrDir)).isDirectory()) return pathOrDir;
  } catch {
    return pathOrDir;
  }
  const file = join(pathOrDir, 'action.yml');
  const alternative = join(pathOrDir, 'action.yaml');
  return !(await exists(file)) && (await exists(alternative)) ? alternative : file;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function checkInputs(inputs: unknown, source: YamlSource, errors: SpecIssue[], warnings: SpecIssue[]): void {
  if (!isRecord(inputs)) return;
  for (const [name, input] of Object.entries(inputs)) {
    if (!isRecord(input)) continue;
    const type = (typeof input.type === 'string' ? input.type : 'string') as InputType;
    const path = ['inputs', name];
    if (Array.isArray(input.enum)) {
      if (type !== 'string' && type !== 'number' && type !== 'string[]') {
        const { line, col } = source.locate([...path, 'enum'], 'key');
        errors.push(
          issueAt(
            source.file,
            line,
            col,
            `enum is not allowed for an input of type ${type}`,
            'use enum with string, number or string[] inputs',
            formatPath([...path, 'enum']),
          ),
        );
      } else {
        input.enum.forEach((value, i) => {
          const itemType = type === 'string[]' ? 'string' : type;
          if (!matchesType(value, itemType)) {
            const { line, col } = source.locate([...path, 'enum', i]);
            errors.push(
              issueAt(
                source.file,
                line,
                col,
                `enum value ${JSON.stringify(value)} is not a ${itemType}`,
                `every enum value must be a ${itemType}`,
                formatPath([...path, 'enum', i]),
              ),
            );
          }
        });
      }
    }
    if ('default' in input) {
      const keyPath = [...path, 'default'];
      const { line, col } = source.locate(keyPath);
      // A secret's value is never repeated in a message, even a misplaced one.
      const shown = input.secret === true ? '(secret)' : shortJson(input.default);
      if (!matchesType(input.default, type)) {
        errors.push(
          issueAt(
            source.file,
            line,
            col,
            `default ${shown} does not match the input's type ${type}`,
            defaultHint(type),
            formatPath(keyPath),
          ),
        );
      } else if (Array.isArray(input.enum)) {
        const values = Array.isArray(input.default) ? input.default : [input.default];
        const outside = values.filter((v) => !(input.enum as unknown[]).includes(v));
        if (outside.length > 0) {
          errors.push(
            issueAt(
              source.file,
              line,
              col,
              `default ${shown} is not in the enum`,
              `valid: ${(input.enum as unknown[]).map(String).join(', ')}`,
              formatPath(keyPath),
            ),
          );
        }
      }
      if (input.required === true) {
        warnings.push({
          ...issueAt(
            source.file,
            line,
            col,
            `input "${name}" is required but has a default, so the default is never used`,
            'drop required: true or the default',
            formatPath(keyPath),
          ),
          severity: 'warning',
        });
      }
      if (input.secret === true) {
        warnings.push({
          ...issueAt(
            source.file,
            line,
            col,
            `secret input "${name}" has a default, stored in clear in action.yml`,
            'drop the default and pass the secret from the pipeline',
            formatPath(keyPath),
          ),
          severity: 'warning',
        });
      }
    }
  }
}

function checkRuns(runs: unknown, source: YamlSource, errors: SpecIssue[]): void {
  if (!isRecord(runs) || typeof runs.node !== 'string') return;
  const script = runs.node;
  if (script.startsWith('/') || script.split(/[\\/]/).includes('..')) {
    const { line, col } = source.locate(['runs', 'node']);
    errors.push(
      issueAt(
        source.file,
        line,
        col,
        `runs.node "${script}" is outside the action folder`,
        'give a path relative to the folder of action.yml, e.g. dist/index.js',
        'runs.node',
      ),
    );
  }
}

function checkUniqueNames(list: unknown, field: string, source: YamlSource, errors: SpecIssue[]): void {
  if (!Array.isArray(list)) return;
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (!isRecord(item) || typeof item.name !== 'string') return;
    if (seen.has(item.name)) {
      const { line, col } = source.locate([field, i, 'name']);
      errors.push(
        issueAt(
          source.file,
          line,
          col,
          `duplicate ${field} name "${item.name}"`,
          'give each entry its own name',
          formatPath([field, i, 'name']),
        ),
      );
    }
    seen.add(item.name);
  });
}

function matchesType(value: unknown, type: InputType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return isRecord(value);
  }
}

function defaultHint(type: InputType): string {
  const examples: Record<InputType, string> = {
    string: 'quote it, e.g. default: "1.0"',
    number: 'write a number, e.g. default: 3',
    boolean: 'write true or false',
    'string[]': 'write a list of strings, e.g. default: [a, b]',
    object: 'write a mapping, e.g. default: {key: value}',
  };
  return examples[type];
}

function build(data: Raw): ActionSpec {
  const inputs: Record<string, ActionInput> = {};
  for (const [name, raw] of Object.entries(asRecord(data.inputs))) {
    const input = asRecord(raw);
    const value: ActionInput = { type: (input.type as InputType | undefined) ?? 'string' };
    if (typeof input.description === 'string') value.description = input.description;
    if (typeof input.required === 'boolean') value.required = input.required;
    if ('default' in input) value.default = input.default;
    if (typeof input.secret === 'boolean') value.secret = input.secret;
    if (Array.isArray(input.enum)) value.enum = input.enum as Array<string | number>;
    if (typeof input.deprecationMessage === 'string') value.deprecationMessage = input.deprecationMessage;
    inputs[name] = value;
  }
  const outputs: Record<string, ActionOutput> = {};
  for (const [name, raw] of Object.entries(asRecord(data.outputs))) {
    const output = asRecord(raw);
    const value: ActionOutput = { type: (output.type as ActionOutput['type'] | undefined) ?? 'string' };
    if (typeof output.description === 'string') value.description = output.description;
    outputs[name] = value;
  }
  const files: ActionFile[] = asList(data.files).map((raw) => {
    const f = asRecord(raw);
    const file: ActionFile = {
      name: String(f.name),
      path: String(f.path),
      direction: f.direction === 'in' ? 'in' : 'out',
    };
    if (typeof f.description === 'string') file.description = f.description;
    return file;
  });
  const caches: CacheDecl[] = asList(data.caches).map((raw) => ({
    key: String(asRecord(raw).key),
    path: String(asRecord(raw).path),
  }));
  const spec: ActionSpec = {
    name: String(data.name),
    version: String(data.version),
    description: typeof data.description === 'string' ? data.description : '',
    inputs,
    outputs,
    runs: buildRuns(asRecord(data.runs)),
    files,
    caches,
  };
  const timeout = parseDuration(data.timeout);
  if (timeout !== undefined) spec.timeout = timeout;
  if (typeof data.category === 'string') spec.category = data.category;
  if (data.dynamicOutputs === true) spec.dynamicOutputs = true;
  if (isRecord(data.branding)) spec.branding = data.branding as ActionSpec['branding'];
  return spec;
}

function buildRuns(runs: Raw): ActionRuns {
  const args = Array.isArray(runs.args) ? { args: runs.args.map(String) } : {};
  if (typeof runs.image === 'string')
    return { image: runs.image, ...(typeof runs.command === 'string' ? { command: runs.command } : {}), ...args };
  if (typeof runs.node === 'string') return { node: runs.node, ...args };
  return { command: String(runs.command), ...args };
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
