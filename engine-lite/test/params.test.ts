/** A run's params are checked against the pipeline, and every refusal points at the param's declaration. */
import { parsePipelineYaml } from '@caravan/spec';
import { describe, expect, it } from 'vitest';
import { ParamsError, resolveParams } from '../src/params.js';

const text = `version: "1.1"
name: p
params:
  count:
    type: number
  verbose:
    type: boolean
    default: false
  label:
    type: string
    required: true
steps:
  - id: a
    uses: caravan/echo@^1
    with: { message: hi }
`;

function pipeline() {
  const parsed = parsePipelineYaml(text, 'p.yml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  return parsed.value;
}

function refusal(given: Record<string, unknown>): ParamsError {
  try {
    resolveParams(pipeline(), given);
  } catch (err) {
    if (err instanceof ParamsError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('resolveParams', () => {
  it('types what it is given and applies defaults', () => {
    expect(resolveParams(pipeline(), { count: '3', label: 'x' })).toEqual({ count: 3, verbose: false, label: 'x' });
  });

  it.each([
    [{ count: 'abc', label: 'x' }, 'p.yml:4:3: --param count="abc" is not a number', 'pass a finite number, e.g. 3'],
    [{ count: '', label: 'x' }, 'p.yml:4:3: --param count="" is not a number', 'pass a finite number, e.g. 3'],
    [
      { verbose: 'maybe', label: 'x' },
      'p.yml:6:3: --param verbose="maybe" is not a boolean',
      'pass true or false (or 1 or 0)',
    ],
    [{ label: { a: 1 } }, 'p.yml:9:3: --param label="[object Object]" is not a string', 'pass text'],
    [{ label: null }, 'p.yml:9:3: --param label="null" is not a string', 'pass text'],
    [{}, 'p.yml:9:3: param "label" is required', 'pass --param label=<string>'],
    [{ lable: 'x' }, 'p.yml:4:3: --param lable: this pipeline has no param "lable"', 'did you mean "label"?'],
  ])('refuses %j at the declaration: %s', (given, message, hint) => {
    const err = refusal(given);
    expect(err.message).toBe(message);
    expect(err.hint).toBe(hint);
  });
});
