/**
 * The scaffolded test: `node --test`, no dependencies. It runs the action under caravan-agent the way
 * the engine does: on this machine through the agent that comes with caravan (CARAVAN_AGENT, set by
 * `caravan action test`, else `caravan agent path`), or, for an image action, in its image under the
 * agent embedded there.
 */

const NO_AGENT =
  'caravan-agent not found: put caravan on your PATH (caravan agent path prints its agent), or set CARAVAN_AGENT to an agent (an executable, or agent.cjs run with node)';

/** `runAction(params)` on this machine; `command` is the JavaScript list of the action's command and args. */
export function hostRunner(command: string): string {
  return `/** caravan-agent: CARAVAN_AGENT (an executable, or a .cjs/.js bundle), else the one of the caravan on PATH. */
function findAgent() {
  let agent = process.env.CARAVAN_AGENT;
  if (!agent) {
    const found = spawnSync('caravan', ['agent', 'path'], { encoding: 'utf8' });
    if (found.status === 0) agent = found.stdout.trim();
  }
  if (!agent) {
    console.error(${JSON.stringify(NO_AGENT)});
    process.exit(1);
  }
  return /\\.c?js$/.test(agent) ? [process.execPath, agent] : [agent];
}
const [agent, ...agentArgs] = findAgent();

function runAction(params) {
  const dir = mkdtempSync(join(tmpdir(), 'action-test-'));
  const context = join(dir, 'context.json');
  const report = join(dir, 'report.json');
  writeFileSync(context, JSON.stringify({ params, workdir: dir, env: { CARAVAN_ACTION_DIR: actionDir } }));
  const run = spawnSync(agent, [...agentArgs, 'run', '--context', context, '--report', report, '--', ${command}], {
    encoding: 'utf8',
  });
  if (run.error) throw new Error(\`could not start caravan-agent \${agent} (\${run.error.message}): set CARAVAN_AGENT to its path\`);
  return readReport(run, report);
}`;
}

/** `runAction(params)` in the action's image, under its embedded agent. */
export function imageRunner(image: string, command: string[]): string {
  return `/** podman or docker: CARAVAN_CONTAINER_CLI (set by caravan action test), else whichever is installed. */
function containerCli() {
  const candidates = process.env.CARAVAN_CONTAINER_CLI ? [process.env.CARAVAN_CONTAINER_CLI] : ['podman', 'docker'];
  const cli = candidates.find((c) => spawnSync(c, ['--version']).status === 0);
  if (!cli) {
    console.error(\`no container CLI found (tried \${candidates.join(', ')}): install podman or docker, or set CARAVAN_CONTAINER_CLI\`);
    process.exit(1);
  }
  return cli;
}
const cli = containerCli();

/** The image: CARAVAN_ACTION_IMAGE (built by caravan action test), else built here from the Dockerfile. */
function actionImage() {
  if (process.env.CARAVAN_ACTION_IMAGE) return process.env.CARAVAN_ACTION_IMAGE;
  const build = spawnSync(cli, ['build', '--quiet', '-t', ${JSON.stringify(image)}, actionDir], { encoding: 'utf8' });
  if (build.status !== 0) {
    const why = build.stderr.trim().split('\\n').at(-1);
    console.error(\`\${cli} build of ${image} failed (\${why}): run caravan action test, which builds it and names the line at fault\`);
    process.exit(1);
  }
  return ${JSON.stringify(image)};
}
const image = actionImage();

function runAction(params) {
  const dir = mkdtempSync(join(tmpdir(), 'action-test-'));
  writeFileSync(join(dir, 'context.json'), JSON.stringify({ params, workdir: '/caravan-test' }));
  const agentRun = ['run', '--context', '/caravan-test/context.json', '--report', '/caravan-test/report.json', '--'];
  const run = spawnSync(
    cli,
    ['run', '--rm', '-v', \`\${dir}:/caravan-test\`, '--entrypoint', '/caravan/caravan-agent', image, ...agentRun, ...${JSON.stringify(command)}],
    { encoding: 'utf8' },
  );
  if (run.error) throw new Error(\`could not start \${cli} (\${run.error.message})\`);
  return readReport(run, join(dir, 'report.json'));
}`;
}

/** The whole test file around a runner (see hostRunner, imageRunner). */
export function actionTest(runner: string): string {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const actionDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function readReport(run, file) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(\`caravan-agent wrote no report (exit \${run.status}): \${run.stderr}\`);
  }
  return { status: run.status, stdout: run.stdout, report };
}

${runner}

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
