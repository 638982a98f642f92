/**
 * The scaffolded test: `node --test`, no dependencies. It runs the action under caravan-agent the
 * way the engine does, found through CARAVAN_AGENT (set by `caravan action test`) or `npx caravan-agent`.
 */
export function actionTest(command: string): string {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const actionDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** caravan-agent: CARAVAN_AGENT (a .cjs/.js bundle or an executable), else npx caravan-agent. */
function agentCommand() {
  const agent = process.env.CARAVAN_AGENT;
  if (!agent) return ['npx', '--no-install', 'caravan-agent'];
  return /\\.c?js$/.test(agent) ? [process.execPath, agent] : [agent];
}

function runAction(params) {
  const dir = mkdtempSync(join(tmpdir(), 'action-test-'));
  const context = join(dir, 'context.json');
  const report = join(dir, 'report.json');
  writeFileSync(context, JSON.stringify({ params, workdir: dir, env: { CARAVAN_ACTION_DIR: actionDir } }));
  const [cmd, ...pre] = agentCommand();
  const run = spawnSync(cmd, [...pre, 'run', '--context', context, '--report', report, '--', ${command}], { encoding: 'utf8' });
  if (run.error) throw new Error(\`could not start caravan-agent (\${run.error.message}): set CARAVAN_AGENT to its path, or run the tests with caravan action test\`);
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    throw new Error(\`caravan-agent wrote no report (exit \${run.status}): \${run.stderr}\`);
  }
  return { status: run.status, stdout: run.stdout, report: parsed };
}

test('greets the world by default', () => {
  const run = runAction({});
  assert.equal(run.status, 0, run.stdout);
  assert.equal(run.report.outputs.greeting, 'Hello, world!');
  assert.match(run.stdout, /Hello, world!/);
});

test('greets someone, in capitals when asked', () => {
  const run = runAction({ who: 'Ada', shout: true });
  assert.equal(run.report.status, 'success');
  assert.equal(run.report.outputs.greeting, 'HELLO, ADA!');
});

test('rejects a bad "shout" with a clear error', () => {
  const run = runAction({ shout: 'loudly' });
  assert.notEqual(run.status, 0);
  const errors = run.report.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  assert.deepEqual(errors, ['input "shout" must be true or false, got "loudly"']);
});
`;
}
