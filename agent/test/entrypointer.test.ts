import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
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
    expect(stdout.text()).toBe(
      'hello *** world\n::add-mask::***\n*** here\n::set-output name=greeting::hi%0Athere\naction meta: image=app:1\n::error file=src/a.ts,line=7,col=2::broken %25 thing\n',
    );
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
    expect(stdout.text()).toBe('Continue? yes\n::set-output name=a::1\n');
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
    expect(stderr.text()).toContain('::add-mask::***\n');
    expect(stderr.text()).not.toContain('from-stderr-token');
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
});
