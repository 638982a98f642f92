import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskContext } from '@caravan/spec';
import { Entrypointer, PARTIAL_LINE_MS, type EntrypointerOptions } from '../src/entrypointer.js';
import { createMasker } from '../src/mask/index.js';
import { COMMAND_LINE_CAP } from '../src/stream-pump.js';
import { FakeAction, FakeClock, FakeRunner, MemorySink, RecordingReporter, settle, until } from './helpers/fakes.js';

const SECRET = 'hunter2-correct-horse';

function setup(
  context: Partial<TaskContext> = {},
  next: FakeAction | NodeJS.ErrnoException = new FakeAction(),
  extra: Partial<EntrypointerOptions> = {},
) {
  const workdir = mkdtempSync(join(tmpdir(), 'ep-'));
  const ctx: TaskContext = {
    secrets: { TOKEN: SECRET },
    params: { who: 'w' },
    env: {},
    watch: [],
    files: [],
    workdir,
    ...context,
  };
  const runner = new FakeRunner(next);
  const reporter = new RecordingReporter();
  const clock = new FakeClock();
  const stdout = new MemorySink();
  const stderr = new MemorySink();
  const masker = createMasker(Object.values(ctx.secrets));
  const agent = new Entrypointer({
    context: ctx,
    command: 'act',
    args: ['a'],
    runner,
    reporter,
    clock,
    stdout,
    stderr,
    masker,
    baseEnv: { PATH: '/bin' },
    ...extra,
  });
  const started = () => until(() => runner.started.length > 0);
  return {
    started,
    agent,
    runner,
    reporter,
    clock,
    stdout,
    stderr,
    workdir,
    action: next instanceof FakeAction ? next : undefined,
  };
}

describe('Entrypointer', () => {
  it('masks both streams, parses commands and files, and reports the outputs', async () => {
    const { started, agent, runner, reporter, stdout, stderr, action } = setup();
    const run = agent.run();
    await started();
    const env = runner.started[0]!.options.env;
    expect(env).toMatchObject({ TOKEN: SECRET, INPUT_WHO: 'w', PATH: '/bin' });
    const a = action!;
    a.stdout.push(`hello ${SECRET.slice(0, 7)}`);
    a.stdout.push(`${SECRET.slice(7)} world\n::add-mask::late-secret-value\n`);
    a.stdout.push(
      'late-secret-value here\n::set-output name=greeting::hi%0Athere\naction meta: image=app:1\n::error file=src/a.ts,line=7,col=2::broken %25 thing\n',
    );
    a.stderr.push(`err ${SECRET}\n`);
    appendFileSync(env.CARAVAN_OUTPUT!, 'image=app:2\nnotes<<END\nline\nEND\n');
    appendFileSync(env.METAFILE!, 'erda=yes\n');
    a.exit({ code: 0, signal: null });
    const { report, exitCode } = await run;

    expect(exitCode).toBe(0);
    expect(stdout.text()).toBe('hello *** world\n*** here\naction meta: image=app:1\n##[error]broken % thing\n');
    expect(stderr.text()).toBe('err ***\n');
    expect(report.status).toBe('success');
    expect(report.outputs).toEqual({ greeting: 'hi\nthere', image: 'app:2', erda: 'yes', notes: 'line' });
    expect(report.annotations).toEqual([
      { level: 'error', message: 'broken % thing', file: 'src/a.ts', line: 7, col: 2 },
    ]);
    expect(report.errors).toEqual([
      { kind: 'annotation', message: 'broken % thing', file: 'src/a.ts', line: 7, col: 2 },
    ]);
    expect(report.stderrExcerpt).toEqual(['err ***']);
    expect(report.masked).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(reporter.events.map((e) => e.type)).toEqual([
      'started',
      'output',
      'output',
      'annotation',
      'output',
      'output',
      'output',
    ]);
    expect(reporter.logs.map((l) => `${l.stream}:${l.text}`)).toContain('stdout:*** here');
    expect(reporter.finished).toEqual([report]);
  });

  it('keeps a successful action successful when stderr matches a warn pattern', async () => {
    const { started, agent, action } = setup({ warnPatterns: ['^cache miss'] });
    const run = agent.run();
    await started();
    action!.stderr.push('cache miss: rebuilding\n');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report.status).toBe('success');
    expect(report.warnings).toEqual(['stderr matches warnPattern /^cache miss/: cache miss: rebuilding']);
  });

  it('fails on an output past the limits or of the wrong type, but keeps the exit code the action gave', async () => {
    const { started, agent, action, stderr } = setup({ outputs: { count: { type: 'number' } } });
    const run = agent.run();
    await started();
    action!.stdout.push(`::set-output name=big::${'x'.repeat(1024 * 1024 + 1)}\n::set-output name=count::many\n`);
    action!.exit({ code: 0, signal: null });
    const { report, exitCode } = await run;
    expect(exitCode).toBe(0);
    expect(report.status).toBe('failed');
    expect(report.errors.map((e) => e.message)).toEqual([
      'stdout line 1: output "big" is 1048577 bytes, over the limit of 1048576 bytes per value; write large data to a file and declare it under "files"',
      'output "count" is declared as number but its value is not a number',
    ]);
    expect(stderr.text()).toContain('[caravan-agent] error: stdout line 1: output "big"');
  });

  it('survives hostile outputs: a __proto__ name, binary bytes, an outputs file too large to read', async () => {
    const { started, agent, runner, action } = setup();
    const run = agent.run();
    await started();
    const env = runner.started[0]!.options.env;
    action!.stdout.push('::set-output name=__proto__::polluted\n');
    appendFileSync(env.METAFILE!, Buffer.from([0x62, 0x3d, 0xff, 0xfe, 0x00, 0x0a]));
    appendFileSync(env.CARAVAN_OUTPUT!, 'x'.repeat(9 * 1024 * 1024));
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(Object.keys(report.outputs)).toEqual(['__proto__', 'b']);
    expect(report.outputs.b).toBe('\ufffd\ufffd\u0000');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(report.status).toBe('failed');
    expect(report.errors[0]!.message).toMatch(
      /^CARAVAN_OUTPUT: the file is 9437184 bytes, over twice the 4194304-byte limit on outputs; it was not read/,
    );
  });

  it('drops an ::add-mask:: line too long to parse instead of echoing it', async () => {
    const { started, agent, action, stdout } = setup();
    const run = agent.run();
    await started();
    action!.stdout.push(`::add-mask::${'s'.repeat(COMMAND_LINE_CAP)}`);
    action!.stdout.push('tail-of-that-line\nnext\n');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(stdout.text()).toBe('next\n');
    expect(report.warnings[0]).toMatch(/stdout line 1: an ::add-mask:: line is too long to parse; it was dropped/);
  });

  it('explains a command that cannot start', async () => {
    const { agent, reporter } = setup({}, Object.assign(new Error('spawn act ENOENT'), { code: 'ENOENT' }));
    const { report, exitCode } = await agent.run();
    expect(exitCode).toBe(127);
    expect(report).toMatchObject({
      status: 'error',
      exitCode: 127,
      errors: [
        {
          kind: 'start',
          message: 'could not start the action: command not found: "act"; install it in the image or fix PATH (/bin)',
        },
      ],
    });
    expect(reporter.finished).toHaveLength(1);
  });

  it('refuses a workdir that does not exist', async () => {
    const { agent, runner } = setup({ workdir: '/nonexistent/caravan' });
    const { report } = await agent.run();
    expect(runner.started).toHaveLength(0);
    expect(report.errors[0]!.message).toContain(
      'the workdir /nonexistent/caravan does not exist or is not a folder; fix context.workdir',
    );
  });

  it('enforces the timeout: SIGTERM to the group, SIGKILL after the grace period', async () => {
    const { started, agent, action, clock } = setup({ timeoutSeconds: 30, graceSeconds: 5 });
    const run = agent.run();
    await started();
    clock.advance(29_999);
    expect(action!.signals).toEqual([]);
    clock.advance(1);
    expect(action!.signals).toEqual(['SIGTERM']);
    clock.advance(5_000);
    expect(action!.signals).toEqual(['SIGTERM', 'SIGKILL']);
    const { report, exitCode } = await run;
    expect(exitCode).toBe(137);
    expect(report).toMatchObject({ status: 'timeout', signal: 'SIGKILL', errors: [{ kind: 'timeout' }] });
  });

  it('forwards SIGTERM, reports cancelled with the action exit code, and tears down once', async () => {
    const { started, agent, action, reporter, clock } = setup();
    action!.onSignal = (s) => action!.exit({ code: s === 'SIGTERM' ? 143 : 1, signal: null });
    const run = agent.run();
    await started();
    agent.cancel('SIGTERM');
    const { report, exitCode } = await run;
    expect(action!.signals).toEqual(['SIGTERM']);
    expect(exitCode).toBe(143);
    expect(report.status).toBe('cancelled');
    expect(await agent.run()).toEqual({ report, exitCode });
    expect(reporter.finished).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('kills at once on a second signal', async () => {
    const { started, agent, action } = setup({ graceSeconds: 60 });
    const run = agent.run();
    await started();
    agent.cancel('SIGINT');
    agent.cancel('SIGINT');
    expect(action!.signals).toEqual(['SIGINT', 'SIGKILL']);
    expect((await run).report.status).toBe('cancelled');
  });

  it('does not start the action when cancelled before it started', async () => {
    const { agent, runner } = setup();
    agent.cancel('SIGTERM');
    const { report } = await agent.run();
    expect(runner.started).toHaveLength(0);
    expect(report.status).toBe('cancelled');
  });

  it('kills background processes that hold the pipes open after the action exits', async () => {
    const { started, agent, action, clock } = setup({}, new FakeAction(), { pipeGraceMs: 1000 });
    const run = agent.run();
    await started();
    action!.exitKeepingPipes({ code: 0, signal: null });
    await until(() => clock.pending() > 0);
    clock.advance(1000);
    const { report } = await run;
    expect(action!.signals).toEqual(['SIGKILL']);
    expect(report.warnings[0]).toMatch(/still held its output open/);
  });

  it('shows a partial stdout line after a pause, but keeps one that may become a command', async () => {
    const { started, agent, action, clock, stdout } = setup();
    const run = agent.run();
    await started();
    action!.stdout.push('Continue? ');
    await settle();
    expect(stdout.text()).toBe('');
    clock.advance(PARTIAL_LINE_MS);
    await until(() => stdout.text() !== '');
    expect(stdout.text()).toBe('Continue? ');
    action!.stdout.push('yes\n::set-out');
    clock.advance(PARTIAL_LINE_MS);
    await settle();
    action!.stdout.push('put name=a::1\n');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(stdout.text()).toBe('Continue? yes\n');
    expect(report.outputs).toEqual({ a: '1' });
  });

  it('reads workflow commands on stderr too: a mask given there hides the value on stdout', async () => {
    const { started, agent, action, stdout, stderr, clock } = setup();
    const run = agent.run();
    await started();
    action!.stderr.push('::add-mask::from-stderr-token\n::set-output name=via::stderr\nprogress 50%');
    await settle();
    clock.advance(PARTIAL_LINE_MS);
    await until(() => stderr.text().includes('progress 50%'));
    action!.stdout.push('the token is from-stderr-token\n');
    action!.stderr.push('\n::warning file=a.sh,line=3::careful\n');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(stdout.text()).toBe('the token is ***\n');
    expect(stderr.text()).toBe('progress 50%\n##[warning]careful\n');
    expect(report.outputs).toEqual({ via: 'stderr' });
    expect(report.annotations).toEqual([{ level: 'warning', message: 'careful', file: 'a.sh', line: 3 }]);
  });

  it('keeps only the last 20 stderr lines as the excerpt', async () => {
    const { started, agent, action } = setup();
    const run = agent.run();
    await started();
    for (let i = 1; i <= 30; i++) action!.stderr.push(`line ${i}\n`);
    action!.exit({ code: 1, signal: null });
    const { report } = await run;
    expect(report.stderrExcerpt).toHaveLength(20);
    expect(report.stderrExcerpt[0]).toBe('line 11');
    expect(report.errors).toEqual([{ kind: 'exit', message: 'the action exited with code 1' }]);
  });

  it('reports declared files and warns about missing ones', async () => {
    const { started, agent, action, reporter, workdir } = setup({
      files: [
        { name: 'out', path: 'out.txt' },
        { name: 'gone', path: 'gone.bin' },
      ],
    });
    const run = agent.run();
    await started();
    appendFileSync(join(workdir, 'out.txt'), 'built');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report.files).toEqual([
      {
        name: 'out',
        path: 'out.txt',
        size: 5,
        sha256: '586a866f990ab55e36decfffc2011f172e4452d5141c939a5436baffba11111d',
      },
    ]);
    expect(reporter.uploads).toEqual([{ name: 'out', path: join(workdir, 'out.txt') }]);
    expect(report.warnings).toEqual(['declared file "gone" (gone.bin) was not produced']);
    expect(readFileSync(join(workdir, 'out.txt'), 'utf8')).toBe('built');
  });

  it("reads GitHub's environment files into the report: variables, PATH folders, state, summary", async () => {
    const { started, agent, runner, action } = setup();
    const run = agent.run();
    await started();
    const env = runner.started[0]!.options.env;
    appendFileSync(env.GITHUB_ENV!, 'PLAIN=one\nMULTI<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nPLAIN=two\n');
    appendFileSync(env.GITHUB_PATH!, '/opt/tool/bin\n\n/opt/other\n/opt/tool/bin\n');
    appendFileSync(env.GITHUB_STATE!, 'pid=42\n');
    appendFileSync(env.GITHUB_STEP_SUMMARY!, `# Done\n\ntoken ${SECRET}\n`);
    appendFileSync(env.GITHUB_OUTPUT!, 'out=1\n');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report).toMatchObject({
      status: 'success',
      outputs: { out: '1' },
      exportedEnv: { PLAIN: 'two', MULTI: 'line 1\nline 2' },
      addedPath: ['/opt/other', '/opt/tool/bin'],
      state: { pid: '42' },
      summary: '# Done\n\ntoken ***\n',
    });
  });

  it('leaves the new fields out when the action exported nothing', async () => {
    const { started, agent, action } = setup();
    const run = agent.run();
    await started();
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    for (const field of ['exportedEnv', 'addedPath', 'state', 'summary']) expect(report).not.toHaveProperty(field);
  });

  it('applies ::set-env and ::add-path only with ACTIONS_ALLOW_UNSECURE_COMMANDS=true, and refuses them else', async () => {
    const refused = setup();
    const run1 = refused.agent.run();
    await refused.started();
    refused.action!.stdout.push('::set-env name=A::1\n::save-state name=s::v\n');
    refused.action!.exit({ code: 0, signal: null });
    const r1 = (await run1).report;
    expect(r1.status).toBe('failed');
    expect(r1.errors).toEqual([
      { kind: 'command', message: expect.stringMatching(/^stdout line 1: The `set-env` command is disabled/) },
    ]);
    expect(r1.state).toEqual({ s: 'v' });
    expect(refused.stdout.text()).toMatch(
      /^##\[error\]Unable to process command '::set-env name=A::1' successfully\.\n/,
    );

    const allowed = setup({ env: { ACTIONS_ALLOW_UNSECURE_COMMANDS: 'true' } });
    const run2 = allowed.agent.run();
    await allowed.started();
    allowed.action!.stdout.push('::set-env name=A::1\n::add-path::/opt/x\n');
    appendFileSync(allowed.runner.started[0]!.options.env.GITHUB_ENV!, 'A=2\n');
    allowed.action!.exit({ code: 0, signal: null });
    expect((await run2).report).toMatchObject({ status: 'success', exportedEnv: { A: '2' }, addedPath: ['/opt/x'] });
  });

  it('keeps NODE_OPTIONS and values holding a secret out of the exported variables', async () => {
    const { started, agent, runner, action } = setup();
    const run = agent.run();
    await started();
    action!.stdout.push('::add-mask::registered-at-run-time\n');
    appendFileSync(
      runner.started[0]!.options.env.GITHUB_ENV!,
      `NODE_OPTIONS=--require ./x.js\nTOKEN_COPY=${SECRET}\nLATER=registered-at-run-time\nOK=fine\n`,
    );
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report.exportedEnv).toEqual({ OK: 'fine' });
    expect(report.annotations).toEqual([
      { level: 'error', message: "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command." },
    ]);
    expect(report.warnings.filter((w) => w.includes('holds a secret'))).toHaveLength(2);
    expect(report.status).toBe('success');
  });

  it('names a bad line of an environment file and fails, keeping what came before it', async () => {
    const { started, agent, runner, action } = setup();
    const run = agent.run();
    await started();
    const env = runner.started[0]!.options.env;
    appendFileSync(env.GITHUB_ENV!, 'A=1\nB<<EOF\nno end\n');
    appendFileSync(env.GITHUB_STATE!, 'no equals sign\n');
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report.status).toBe('failed');
    expect(report.exportedEnv).toEqual({ A: '1' });
    expect(report.errors.map((e) => [e.kind, e.message.slice(0, 40)])).toEqual([
      ['command', 'GITHUB_ENV:2: the heredoc for "B" is nev'],
      ['command', 'GITHUB_STATE:1: expected name=value or n'],
    ]);
  });

  it("drops a summary over 1 MiB with the runner's error annotation, without failing the step", async () => {
    const { started, agent, runner, action } = setup();
    const run = agent.run();
    await started();
    appendFileSync(runner.started[0]!.options.env.GITHUB_STEP_SUMMARY!, 'x'.repeat(1024 * 1024 + 2048));
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report.status).toBe('success');
    expect(report.summary).toBeUndefined();
    expect(report.annotations[0]!.message).toMatch(
      /^\$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got 1026k\./,
    );
  });

  it('refuses a FIFO or a device in place of any environment file, without blocking on it', async () => {
    const { started, agent, runner, action } = setup();
    const run = agent.run();
    await started();
    const env = runner.started[0]!.options.env;
    for (const name of ['GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STATE', 'GITHUB_OUTPUT'] as const) {
      rmSync(env[name]!);
      execFileSync('mkfifo', [env[name]!]);
    }
    rmSync(env.GITHUB_STEP_SUMMARY!);
    execFileSync('ln', ['-s', '/dev/zero', env.GITHUB_STEP_SUMMARY!]);
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(report.status).toBe('failed');
    expect(report.errors.map((e) => e.message.replace(/ \/\S+ /, ' <path> '))).toEqual([
      'CARAVAN_OUTPUT: <path> is not a regular file (the action replaced it); it was not read — append to the file the agent made',
      'GITHUB_ENV: <path> is not a regular file (the action replaced it); it was not read — append to the file the agent made',
      'GITHUB_PATH: <path> is not a regular file (the action replaced it); it was not read — append to the file the agent made',
      'GITHUB_STATE: <path> is not a regular file (the action replaced it); it was not read — append to the file the agent made',
      'GITHUB_STEP_SUMMARY: <path> is not a regular file (the action replaced it); it was not read — append to the file the agent made',
    ]);
  });

  it("puts the folders earlier steps added before the action's PATH", async () => {
    const { started, runner, agent, action } = setup({ prependPath: ['/tools/a', '/tools/b'] } as Partial<TaskContext>);
    const run = agent.run();
    await started();
    expect(runner.started[0]!.options.env.PATH).toBe('/tools/b:/tools/a:/bin');
    action!.exit({ code: 0, signal: null });
    await run;
  });

  it('masks a secret that colour codes split, as grep --color prints it', async () => {
    const { started, agent, action, stdout, reporter } = setup();
    const run = agent.run();
    await started();
    const coloured = `${SECRET.slice(0, 4)}\u001b[01;31m\u001b[K${SECRET.slice(4, 9)}\u001b[m\u001b[K${SECRET.slice(9)}`;
    action!.stdout.push(`found: ${coloured} here\n`);
    action!.exit({ code: 0, signal: null });
    const { report } = await run;
    expect(stdout.text()).toBe('found: ***\u001b[01;31m\u001b[K\u001b[m\u001b[K here\n');
    expect(reporter.logs.map((l) => l.text)).toEqual(['found: ***\u001b[01;31m\u001b[K\u001b[m\u001b[K here']);
    expect(report.masked).toBe(1);
  });
});
