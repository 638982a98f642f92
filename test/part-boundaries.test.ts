/**
 * The linter refuses an import that breaks the parts' direction or reaches past a part's entry,
 * and accepts the allowed ones: each case is linted as if it were a file at that path.
 */
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'caravan/part-boundaries').map((m) => m.message);
}

describe('part boundaries (caravan/part-boundaries)', () => {
  it.each([
    ['spec/src/x.ts', "import { x } from '@caravan/agent';", /@caravan\/spec may not import @caravan\/agent/],
    ['agent/src/x.ts', "import { x } from '@caravan/engine';", /@caravan\/agent may not import @caravan\/engine/],
    ['marketplace/registry/src/x.ts', "import { x } from '@caravan/agent';", /may not import @caravan\/agent/],
    ['engine-lite/src/x.ts', "import { x } from '@caravan/cli';", /@caravan\/engine may not import @caravan\/cli/],
    [
      'engine-lite/src/x.ts',
      "import { x } from '../../spec/src/index.js';",
      /reaches into the files of @caravan\/spec; import "@caravan\/spec" instead/,
    ],
    ['engine-lite/src/x.ts', "import { x } from '../../agent/src/mask/index.js';", /import "@caravan\/agent" instead/],
    ['engine-lite/src/x.ts', "import { x } from '@caravan/spec/src/expr/index.js';", /one public entry/],
    ['spec/src/x.ts', "import { x } from '../../cli/src/lib/y.js';", /may not import @caravan\/cli at all/],
    ['agent/src/x.ts', "import { x } from '@caravan/agent';", /imports its own files by relative path/],
    [
      'marketplace/registry/src/x.ts',
      "export { x } from '../../../engine-lite/src/y.js';",
      /may not import @caravan\/engine/,
    ],
    ['agent/src/x.ts', "const { x } = await import('../../engine-lite/src/y.js');", /may not import @caravan\/engine/],
  ])('%s: %s is refused', async (file, code, message) => {
    const errors = await boundaryErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['engine-lite/src/x.ts', "import { x } from '@caravan/spec';"],
    ['engine-lite/src/x.ts', "import { x } from '@caravan/agent';"],
    ['engine-lite/src/x.ts', "import { x } from '@caravan/registry';"],
    ['cli/src/x.ts', "import { x } from '@caravan/engine';"],
    ['agent/src/x.ts', "import { x } from './mask/index.js';"],
    ['cli/test/x.test.ts', "import { x } from '../../engine-lite/test/helpers/pipeline.js';"],
    ['bench/x.ts', "import { x } from '../engine-lite/src/dag.js';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
