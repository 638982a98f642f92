import { readFileSync } from 'node:fs';
import { ActionError, getInput, info, run, setOutput, workspacePath } from './lib/io.mjs';
import { jsonValueText, lookupJsonPath } from './lib/json-path.mjs';

function readSource() {
  const json = getInput('json');
  const file = getInput('file');
  if (json !== undefined && file !== undefined)
    throw new ActionError('give either input "json" or input "file", not both');
  if (json === undefined && file === undefined)
    throw new ActionError('input "json" or input "file" is required: the JSON to read');
  if (json !== undefined) return { text: json, where: 'input "json"' };
  const path = workspacePath(file);
  try {
    return { text: readFileSync(path, 'utf8'), where: path };
  } catch (err) {
    throw new ActionError(`cannot read file ${path}: ${err.code === 'ENOENT' ? 'it does not exist' : err.message}`);
  }
}

function parse({ text, where }) {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ActionError(`${where} is not valid JSON: ${err.message}`);
  }
}

run(() => {
  const doc = parse(readSource());
  const wanted = {};
  const path = getInput('path');
  if (path !== undefined) wanted.value = path;
  for (const [name, p] of Object.entries(getInput('extract', { type: 'object', default: {} }))) {
    if (typeof p !== 'string')
      throw new ActionError(`extract "${name}" must be a JSON path string like $.data.id, got ${JSON.stringify(p)}`);
    if (!/^[A-Za-z_][\w-]*$/.test(name))
      throw new ActionError(`extract "${name}": output names use letters, digits, "_" and "-", starting with a letter`);
    wanted[name] = p;
  }
  if (Object.keys(wanted).length === 0)
    throw new ActionError('nothing to extract: give input "path" or input "extract"');
  const allowMissing = getInput('allow-missing', { type: 'boolean', default: false });

  const missing = [];
  for (const [name, p] of Object.entries(wanted)) {
    const found = lookupJsonPath(doc, p);
    if (found.found) {
      setOutput(name, jsonValueText(found.value));
      info(`${name} <- ${p}`);
    } else if (allowMissing) {
      setOutput(name, '');
      info(`${name} <- ${p} (not found: ${found.reason})`);
    } else {
      missing.push(`JSON path "${p}" (output ${name}) not found: ${found.reason}`);
    }
  }
  if (missing.length) throw new ActionError(`${missing.join('; ')}; set allow-missing: true to accept missing values`);
});
