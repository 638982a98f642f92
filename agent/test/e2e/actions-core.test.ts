/**
 * A real JavaScript action built on @actions/core (from npm, the library most GitHub actions use)
 * under the real agent bundle: inputs, outputs, secrets, exported variables, PATH, state, summary,
 * annotations and groups, then a second step given what the first one exported, as the engine
 * gives it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/contract.js';
import { buildAgentBundle } from '../helpers/build-agent.js';
import { runAgent } from '../helpers/run-agent.js';

const CORE = createRequire(import.meta.url).resolve('@actions/core');
const API_TOKEN = 'ghp-not-really-7d2c9e41b0a6';
const DERIVED = 'derived-session-5b8e0f3a';

let agent: string;
beforeAll(async () => {
  agent = await buildAgentBundle();
});
afterAll(() => rmSync(dirname(agent), { recursive: true, force: true }));

/** The action: what an author writes with @actions/core, required by absolute path from a temp folder. */
const ACTION = `
const core = require(${JSON.stringify(CORE)});
(async () => {
  const who = core.getInput('who-to-greet', { required: true });
  const style = core.getInput('greeting style');
  core.info('Hello ' + who + ' (' + style + ')');
  core.setSecret(${JSON.stringify(DERIVED)});
  console.log('session is ${DERIVED}, token is ' + process.env.API_TOKEN);
  core.setOutput('greeting', 'Hello ' + who);
  core.setOutput('report', 'line one\\nline two\\n');
  core.setOutput('data', { who, n: 2 });
  core.exportVariable('GREETED', who);
  core.exportVariable('MULTI_LINE', 'first\\nsecond');
  core.addPath('/opt/greeter/bin');
  core.saveState('greeted-at', 'noon');
  await core.group('Details', async () => core.info('inside the group'));
  core.debug('only with step debug');
  core.error('bad thing', { title: 'Lint', file: 'src/app.ts', startLine: 10, endLine: 12 });
  core.warning('careful', { file: 'src/app.ts', startLine: 3, startColumn: 5, endColumn: 9 });
  core.notice('fyi');
  await core.summary
    .addHeading('Greeting')
    .addRaw('Greeted ' + who + ' with ${DERIVED}', true)
    .addTable([[{ data: 'who', header: true }], [who]])
    .write();
})().catch((err) => core.setFailed(err.message));
`;

/** The next step: prints what it was given. */
const NEXT = `
console.log('GREETED=' + process.env.GREETED);
console.log('MULTI_LINE=' + JSON.stringify(process.env.MULTI_LINE));
console.log('PATH=' + process.env.PATH);
`;

function step(context: Record<string, unknown>): { dir: string; contextFile: string; reportFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-core-'));
  writeFileSync(join(dir, 'action.js'), ACTION);
  writeFileSync(join(dir, 'next.js'), NEXT);
  const contextFile = join(dir, 'context.json');
  writeFileSync(contextFile, JSON.stringify({ workdir: dir, ...context }));
  return { dir, contextFile, reportFile: join(dir, 'report.json') };
}

describe('an action built on @actions/core under caravan-agent', () => {
  it('gets its inputs, and its outputs, secrets, exports, state, summary, annotations and groups are handled', async () => {
    const t = step({
      params: { 'who-to-greet': 'Mona', 'greeting style': 'warm' },
      secrets: { API_TOKEN },
    });
    const r = await runAgent(agent, [process.execPath, 'action.js'], t);
    const report = r.report as Report;

    expect(r.code).toBe(0);
    expect(report.status).toBe('success');
    expect(report.outputs).toEqual({
      greeting: 'Hello Mona',
      report: 'line one\nline two\n',
      data: '{"who":"Mona","n":2}',
    });
    expect(report.exportedEnv).toEqual({ GREETED: 'Mona', MULTI_LINE: 'first\nsecond' });
    expect(report.addedPath).toEqual(['/opt/greeter/bin']);
    expect(report.state).toEqual({ 'greeted-at': 'noon' });
    expect(report.summary).toBe(
      '<h1>Greeting</h1>\nGreeted Mona with ***\n<table><tr><th>who</th></tr><tr><td>Mona</td></tr></table>\n',
    );
    expect(report.annotations).toEqual([
      { level: 'error', message: 'bad thing', title: 'Lint', file: 'src/app.ts', line: 10, endLine: 12 },
      { level: 'warning', message: 'careful', file: 'src/app.ts', line: 3, col: 5, endCol: 9 },
      { level: 'notice', message: 'fyi' },
    ]);
    expect(report.errors).toEqual([{ kind: 'annotation', message: 'bad thing', file: 'src/app.ts', line: 10 }]);

    // the log: no command line, groups and annotations shown the runner's way, every secret masked
    expect(r.stdout).toBe(
      [
        'Hello Mona (warm)',
        'session is ***, token is ***',
        '##[group]Details',
        'inside the group',
        '##[endgroup]',
        '##[error]bad thing',
        '##[warning]careful',
        '##[notice]fyi',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(JSON.stringify(report)).not.toContain(DERIVED);
    expect(JSON.stringify(report)).not.toContain(API_TOKEN);
  });

  it("hands the next step the exported variables and PATH folders, as the engine passes the report's fields", async () => {
    const first = step({ params: { 'who-to-greet': 'Hubot' } });
    const report = (await runAgent(agent, [process.execPath, 'action.js'], first)).report as Report;
    const next = step({ env: { ...report.exportedEnv, PATH: '/usr/bin:/bin' }, prependPath: report.addedPath });
    const r = await runAgent(agent, [process.execPath, 'next.js'], next);
    expect(r.stdout).toBe('GREETED=Hubot\nMULTI_LINE="first\\nsecond"\nPATH=/opt/greeter/bin:/usr/bin:/bin\n');
  });

  it('shows ::debug:: lines and echoes commands with ACTIONS_STEP_DEBUG', async () => {
    const t = step({ params: { 'who-to-greet': 'Debug' }, env: { ACTIONS_STEP_DEBUG: 'true' } });
    const r = await runAgent(agent, [process.execPath, 'action.js'], t);
    expect(r.stdout).toContain('##[debug]only with step debug\n');
    expect(r.stdout).toContain('::add-mask::***\n');
    expect(r.stdout).toContain('::group::Details\n##[group]Details\n');
  });

  it('fails getInput of a required input that is missing, through setFailed', async () => {
    const t = step({});
    const r = await runAgent(agent, [process.execPath, 'action.js'], t);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('##[error]Input required and not supplied: who-to-greet\n');
    expect(r.report).toMatchObject({ status: 'failed', annotations: [{ level: 'error' }] });
  });
});

describe('shell actions', () => {
  it('masks a secret that grep --color highlights in the middle of it', async () => {
    const t = step({ secrets: { S: API_TOKEN } });
    const r = await runAgent(agent, ['sh', '-c', 'printf "token: %s\\n" "$S" | grep --color=always "not-really"'], t);
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- the colour codes grep prints are what this test is about
    expect(r.stdout).toMatch(/^token: \*\*\*(\u001b\[[0-9;]*[mK])+\n$/);
  });

  it('refuses a FIFO put in place of an environment file, without blocking', async () => {
    const t = step({});
    const r = await runAgent(agent, ['sh', '-c', 'rm "$GITHUB_ENV" && mkfifo "$GITHUB_ENV" && echo done'], t);
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ status: 'failed', errors: [{ kind: 'command' }] });
    expect(r.report!.errors[0]!.message).toMatch(/^GITHUB_ENV: \S+ is not a regular file/);
  });
});
