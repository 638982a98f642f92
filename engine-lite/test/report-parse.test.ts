/** The engine keeps every field of the agent's report it will use, and refuses ill-shaped ones. */
import { describe, expect, it } from 'vitest';
import { BadBody, parseReport } from '../src/callback/validate.js';

const base = { status: 'success', exitCode: 0, signal: null, outputs: {} };

describe('parseReport', () => {
  it('keeps exports, path entries, state, summary and where an error points', () => {
    const r = parseReport({
      ...base,
      errors: [{ kind: 'command', message: 'bad', file: 'src/a.ts', line: 3, col: 7 }],
      exportedEnv: { GREETED: 'yes' },
      addedPath: ['/opt/tool/bin'],
      state: { started: '1' },
      summary: '## Done',
    });
    expect(r).toMatchObject({
      errors: [{ kind: 'command', message: 'bad', file: 'src/a.ts', line: 3, col: 7 }],
      exportedEnv: { GREETED: 'yes' },
      addedPath: ['/opt/tool/bin'],
      state: { started: '1' },
      summary: '## Done',
    });
  });

  it('leaves the optional fields out when the agent sent none', () => {
    const r = parseReport(base);
    expect('exportedEnv' in r || 'addedPath' in r || 'summary' in r || 'state' in r).toBe(false);
  });

  it.each([
    [{ exportedEnv: { A: 1 } }, /exportedEnv must be an object of strings/],
    [{ addedPath: '/bin' }, /addedPath must be an array of strings/],
    [{ state: [] }, /state must be an object of strings/],
    [{ summary: 3 }, /summary must be a string/],
  ])('refuses %j', (extra, message) => {
    expect(() => parseReport({ ...base, ...extra })).toThrow(BadBody);
    expect(() => parseReport({ ...base, ...extra })).toThrow(message);
  });
});
