import { describe, expect, it } from 'vitest';
import { buildActionEnv, inputVariable, oversizedVariables } from '../src/action-env.js';

describe('action environment', () => {
  it('names params INPUT_<NAME> with - and . as _', () => {
    expect(inputVariable('my-param.sub')).toBe('INPUT_MY_PARAM_SUB');
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
      { outputsFile: '/o', metafile: '/m', workspace: '/w' },
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
