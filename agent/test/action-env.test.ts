import { describe, expect, it } from 'vitest';
import {
  buildActionEnv,
  inputVariable,
  oversizedVariables,
  prependPath,
  runnerInputVariable,
} from '../src/action-env.js';

const files = { env: '/e', path: '/p', state: '/s', summary: '/sum' };

describe('action environment', () => {
  it('names params INPUT_<NAME> with - and . as _, and also as the runner and @actions/core do', () => {
    expect(inputVariable('my-param.sub')).toBe('INPUT_MY_PARAM_SUB');
    expect(runnerInputVariable('my-param.sub')).toBe('INPUT_MY-PARAM.SUB');
    expect(runnerInputVariable('my input')).toBe('INPUT_MY_INPUT');
  });

  it('gives a param under both names; a Caravan name wins over the runner name of another param', () => {
    const env = buildActionEnv(
      {},
      {
        secrets: {},
        params: { 'my-input': 'dash', a_b: 'under', 'a-b': 'dash2', 'with space': 's' },
        env: {},
        watch: [],
        files: [],
      },
      { outputsFile: '/o', metafile: '/m', workspace: '/w', files },
    );
    expect(env).toMatchObject({
      INPUT_MY_INPUT: 'dash',
      'INPUT_MY-INPUT': 'dash',
      'INPUT_A-B': 'dash2',
      'INPUT_WITH SPACE': 's',
      INPUT_WITH_SPACE: 's',
    });
    // "a_b" and "a-b" share INPUT_A_B, as before: the later param wins
    expect(env.INPUT_A_B).toBe('dash2');
  });

  it("sets GitHub's file command variables beside Caravan's, and puts earlier steps' folders before PATH", () => {
    const env = buildActionEnv(
      { PATH: '/usr/bin:/bin' },
      { secrets: {}, params: {}, env: {}, watch: [], files: [], prependPath: ['/first', '/second'] },
      { outputsFile: '/o', metafile: '/m', workspace: '/w', files },
    );
    expect(env).toMatchObject({
      GITHUB_OUTPUT: '/o',
      CARAVAN_OUTPUT: '/o',
      GITHUB_ENV: '/e',
      CARAVAN_ENV: '/e',
      GITHUB_PATH: '/p',
      CARAVAN_PATH: '/p',
      GITHUB_STATE: '/s',
      CARAVAN_STATE: '/s',
      GITHUB_STEP_SUMMARY: '/sum',
      CARAVAN_STEP_SUMMARY: '/sum',
      PATH: '/second:/first:/usr/bin:/bin',
    });
  });

  it("prepends PATH as the runner does: last added first, not twice, no trailing ':'", () => {
    expect(prependPath(['/a', '/b'], '/bin')).toBe('/b:/a:/bin');
    expect(prependPath(['/a', '/b'], '/b:/a:/bin')).toBe('/b:/a:/bin');
    expect(prependPath(['/a'], '')).toBe('/a');
    expect(prependPath(['/a'], undefined)).toBe('/a');
  });

  it('gives params (JSON for non-strings), secrets by name, the file paths, and drops the context', () => {
    const env = buildActionEnv(
      { PATH: '/bin', CARAVAN_CONTEXT: '{"secrets":{}}', INPUT_X: 'from-agent-env' },
      {
        secrets: { 'db.password': 's3cr3t!', TOKEN: 't' },
        params: { x: 'p', n: 3, list: ['a'], obj: { k: true }, none: null },
        env: { TOKEN: 'env-loses', E: 'e' },
        watch: [],
        files: [],
      },
      { outputsFile: '/o', metafile: '/m', workspace: '/w', files },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      INPUT_X: 'p',
      INPUT_N: '3',
      INPUT_LIST: '["a"]',
      INPUT_OBJ: '{"k":true}',
      INPUT_NONE: '',
      'db.password': 's3cr3t!',
      TOKEN: 't',
      E: 'e',
      CARAVAN_OUTPUT: '/o',
      METAFILE: '/m',
      CARAVAN_WORKSPACE: '/w',
    });
    expect(env.CARAVAN_CONTEXT).toBeUndefined();
  });

  it('lists the variables too large for the system to pass to a program', () => {
    expect(
      oversizedVariables({
        SMALL: 'x'.repeat(1000),
        INPUT_DOC: 'x'.repeat(128 * 1024),
        JUST_UNDER: 'x'.repeat(128 * 1024 - 12),
      }),
    ).toEqual(['INPUT_DOC']);
  });
});
