import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseActionYaml } from '../src/action-parse.js';
import { formatIssue } from '../src/issues.js';
import { parsePipelineYaml } from '../src/pipeline-parse.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/spec.md', import.meta.url)), 'utf8');

/** The first ```yaml block after a heading. */
function exampleAfter(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const match = /```yaml\n([\s\S]*?)```/.exec(doc.slice(start));
  expect(match, `yaml block after ${heading}`).not.toBeNull();
  return (match as RegExpExecArray)[1] as string;
}

describe('docs/spec.md examples are valid', () => {
  it('action.yml', () => {
    const result = parseActionYaml(exampleAfter('## action.yml'), 'docs/action.yml');
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
  });
  it('pipeline.yml', () => {
    const result = parsePipelineYaml(exampleAfter('## pipeline.yml'), 'docs/pipeline.yml');
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});
