import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOG_RECORDS_TYPE, type AgentReport, type EventBatch, type TaskContext } from '@caravan/spec';
import { buildAgentBundle } from '../helpers/build-agent.js';
import { EngineServer, deadUrl } from '../helpers/engine-server.js';
import { eventually, runAgent } from '../helpers/run-agent.js';

const SECRET = 'pa55-W0rd.for-deploy';
let agent: string;
let server: EngineServer | undefined;

beforeAll(async () => {
  agent = await buildAgentBundle();
});
afterEach(async () => server?.stop());
afterAll(() => rmSync(dirname(agent), { recursive: true, force: true }));

function task(context: Partial<TaskContext>): { dir: string; contextFile: string; reportFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-e2e-'));
  const contextFile = join(dir, 'context.json');
  writeFileSync(contextFile, JSON.stringify({ workdir: dir, ...context }));
  return { dir, contextFile, reportFile: join(dir, 'report.json') };
}

describe('caravan-agent (bundle, real processes)', () => {
  it('hands a piped stdin to the action as it is: input arriving late is read, not refused', async () => {
    const t = task({});
    const r = await runAgent(agent, ['cat'], {
      contextFile: t.contextFile,
      stdin: { text: 'late input\n', delayMs: 300 },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('late input\n');
    expect(r.code).toBe(0);
  });

  it('runs a shell action: env, masked streams, outputs from every source, commands, report', async () => {
    const t = task({
      secrets: { DEPLOY_KEY: SECRET, 'key.with-dots': 'dotted-secret-value' },
      params: { 'target-env': 'prod', replicas: 3 },
      env: { STAGE: 'e2e' },
    });
    const script = [
      'echo "target=$INPUT_TARGET_ENV replicas=$INPUT_REPLICAS stage=$STAGE workspace=$CARAVAN_WORKSPACE"',
      'echo "$DEPLOY_KEY"',
      'echo dotted-secret-value',
      'printf "%s" "$DEPLOY_KEY" | base64',
      'echo "on stderr: $DEPLOY_KEY" >&2',
      'echo "::add-mask::runtime-token-42"',
      'echo "runtime-token-42 must not show"',
      'echo "::set-output name=from-stdout::a%0Ab"',
      'echo "action meta: erda_line=1"',
      'echo "from_meta=2" >> "$METAFILE"',
      'echo "plain=3" >> "$CARAVAN_OUTPUT"',
      'printf "multi<<EOT\\nfirst\\nsecond\\nEOT\\n" >> "$CARAVAN_OUTPUT"',
      'echo "::stop-commands::pause-9"',
      'echo "::set-output name=ignored::x"',
      'echo "::pause-9::"',
      'echo "::warning file=app.js,line=4::careful"',
      'echo "::error file=app.js,line=9,col=3::it broke"',
      'exit 0',
    ].join('\n');
    const r = await runAgent(agent, ['sh', '-c', script], t);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`target=prod replicas=3 stage=e2e workspace=${t.dir}`);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(r.stdout).not.toContain('runtime-token-42');
    expect(r.stdout).not.toContain('dotted-secret-value');
    expect(r.stdout).toContain('\n*** must not show\n');
    // processed command lines are not printed; the stop token (over 6 characters) is masked
    expect(r.stdout).not.toMatch(/::(add-mask|set-output name=from-stdout|warning|error)/);
    expect(r.stdout).toContain(
      '::stop-commands::***\n::set-output name=ignored::x\n::***::\n##[warning]careful\n##[error]it broke\n',
    );
    expect(r.stderr).toContain('on stderr: ***');
    expect(r.stderr).not.toContain(SECRET);
    const report = r.report!;
    expect(report.status).toBe('success');
    expect(report.outputs).toEqual({
      'from-stdout': 'a\nb',
      erda_line: '1',
      from_meta: '2',
      plain: '3',
      multi: 'first\nsecond',
    });
    expect(report.annotations.map((a) => [a.level, a.message, a.file, a.line])).toEqual([
      ['warning', 'careful', 'app.js', 4],
      ['error', 'it broke', 'app.js', 9],
    ]);
    expect(report.errors).toEqual([{ kind: 'annotation', message: 'it broke', file: 'app.js', line: 9, col: 3 }]);
    expect(report.masked).toBeGreaterThanOrEqual(4);
    expect(readFileSync(t.reportFile, 'utf8')).not.toContain(SECRET);
  });

  it('reads the context from CARAVAN_CONTEXT and does not pass it on to the action', async () => {
    const r = await runAgent(agent, ['sh', '-c', 'echo "ctx=${CARAVAN_CONTEXT:-none} who=$INPUT_WHO"'], {
      env: { CARAVAN_CONTEXT: JSON.stringify({ params: { who: 'inline' } }) },
    });
    expect(r.stdout).toBe('ctx=none who=inline\n');
  });

  it('names the bad line of an outputs file and fails the task, keeping the exit code', async () => {
    const t = task({});
    const r = await runAgent(
      agent,
      ['sh', '-c', 'echo ok=1 >> $CARAVAN_OUTPUT; printf "body<<END\\nno end\\n" >> $CARAVAN_OUTPUT'],
      t,
    );
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ status: 'failed', outputs: { ok: '1' } });
    expect(r.report!.errors[0]!.message).toMatch(/^CARAVAN_OUTPUT:2: the heredoc for "body" is never closed/);
    expect(r.stderr).toContain('[caravan-agent] error: CARAVAN_OUTPUT:2:');
  });

  it('reports watched files that the action writes', async () => {
    const t = task({ watch: ['out/**/*.json'] });
    const r = await runAgent(
      agent,
      ['sh', '-c', `mkdir -p out/a && echo '{"ok":true}' > out/a/r.json && echo skip > out/x.txt`],
      t,
    );
    expect(r.report!.files).toEqual([
      {
        path: 'out/a/r.json',
        event: 'add',
        size: 12,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        content: '{"ok":true}\n',
      },
    ]);
  });

  it('masks secrets in watched file content', async () => {
    const t = task({ secrets: { S: SECRET }, watch: ['*.txt'] });
    const r = await runAgent(agent, ['sh', '-c', 'echo "secret: $S" > leak.txt'], t);
    expect(r.report!.files[0]!.content).toBe('secret: ***\n');
  });

  it('enforces the timeout: SIGTERM, then SIGKILL for an action that ignores it', async () => {
    const t = task({ timeoutSeconds: 0.3, graceSeconds: 0.3 });
    const r = await runAgent(agent, ['sh', '-c', 'trap "" TERM; echo started; while :; do :; done'], t);
    expect(r.code).toBe(137);
    expect(r.report).toMatchObject({
      status: 'timeout',
      exitCode: null,
      signal: 'SIGKILL',
      errors: [{ kind: 'timeout' }],
    });
    expect(r.stderr).toContain('[caravan-agent] timeout of 0.3s reached: sending SIGTERM, SIGKILL in 0.3s');
  });

  it('forwards SIGTERM to the action, which may clean up; exits with its code and writes the report', async () => {
    const t = task({});
    const r = await runAgent(
      agent,
      ['sh', '-c', 'trap "echo cleaning up; exit 7" TERM; echo ready; while :; do sleep 0.05; done'],
      {
        ...t,
        onStart: (pid, out) =>
          void eventually(() => out.stdout().includes('ready'), 'ready').then(() => process.kill(pid, 'SIGTERM')),
      },
    );
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('cleaning up');
    expect(r.report).toMatchObject({ status: 'cancelled', exitCode: 7, errors: [{ kind: 'cancelled' }] });
  });

  it('gives exit 128+n when the action dies of signal n', async () => {
    const t = task({});
    const r = await runAgent(agent, ['sh', '-c', 'kill -SEGV $$'], t);
    expect(r.code).toBe(139);
    expect(r.report).toMatchObject({ status: 'failed', signal: 'SIGSEGV' });
  });

  it('explains a command that is not found (127) or not executable (126)', async () => {
    const t = task({});
    const missing = await runAgent(agent, ['no-such-tool-xyz', '--flag'], t);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain(
      '[caravan-agent] error: could not start the action: command not found: "no-such-tool-xyz"; install it in the image or fix PATH',
    );
    expect(missing.report).toMatchObject({ status: 'error', errors: [{ kind: 'start' }] });
    writeFileSync(join(t.dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const denied = await runAgent(agent, ['./run.sh'], t);
    expect(denied.code).toBe(126);
    expect(denied.stderr).toContain('permission denied: "./run.sh"; make it executable (chmod +x)');
  });

  it('rejects bad usage and a bad context with exit 2 and a clear message', async () => {
    const help = await runAgent(agent, [], { rawArgs: ['--help'] });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: caravan-agent run [--context FILE] [--report FILE] -- CMD [ARGS...]');
    const noCommand = await runAgent(agent, [], { rawArgs: ['run', '--report', 'r.json'] });
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('[caravan-agent] error: missing "--" and the command to run');
    const t = task({});
    writeFileSync(t.contextFile, '{"secrets": {"A": 1}, "timeoutSeconds": "soon"}');
    const bad = await runAgent(agent, ['true'], t);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('context.secrets.A must be a string, got a number');
    expect(bad.stderr).toContain('context.timeoutSeconds must be a number of seconds >= 0, got a string');
    expect(bad.report).toMatchObject({ status: 'error' });
    const noFolder = await runAgent(agent, ['true'], { reportFile: '/nonexistent/caravan/report.json' });
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain(
      '--report /nonexistent/caravan/report.json: the folder /nonexistent/caravan does not exist',
    );
  });

  it('streams a huge single line through the masker, masking a secret at its end', async () => {
    const t = task({ secrets: { S: SECRET } });
    const r = await runAgent(agent, ['sh', '-c', 'head -c 30000000 /dev/zero | tr "\\0" a; printf "%s" "$S"'], t);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(30_000_003);
    expect(r.stdout.endsWith('a***')).toBe(true);
  });

  it.skipIf(!existsSync('/usr/bin/time'))('keeps memory bounded on a 100 MB line without newline', () => {
    const rss = join(mkdtempSync(join(tmpdir(), 'rss-')), 'rss');
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-o',
        rss,
        '-f',
        '%M',
        process.execPath,
        agent,
        'run',
        '--',
        'sh',
        '-c',
        'head -c 100000000 /dev/zero | tr "\\0" a',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    expect(r.status).toBe(0);
    const peakMb = Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1)) / 1024;
    expect(peakMb).toBeGreaterThan(10);
    expect(peakMb).toBeLessThan(120);
  });

  it.each([
    ['JSON', undefined],
    ['log records', [LOG_RECORDS_TYPE]],
  ])('ships logs (%s), events, files and the report to a real engine, in order', async (_format, logTypes) => {
    server = new EngineServer();
    const url = await server.start();
    const t = task({
      secrets: { S: SECRET },
      callback: { url, token: 'tok-123456789', ...(logTypes ? { logTypes } : {}) },
      files: [{ name: 'result', path: 'result.txt' }],
      watch: ['*.log'],
    });
    const r = await runAgent(
      agent,
      [
        'sh',
        '-c',
        'for i in $(seq 1 3000); do echo "line $i $S"; done; echo built > result.txt; echo w > a.log; echo "::set-output name=x::1"; echo oops >&2',
      ],
      t,
    );
    expect(r.code).toBe(0);
    expect(new Set(server.received.filter((x) => x.path.endsWith('/logs')).map((x) => x.contentType))).toEqual(
      new Set([logTypes ? LOG_RECORDS_TYPE : 'application/json']),
    );
    const batches = server.logBatches();
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
    const stdoutLines = batches
      .flatMap((b) => b.entries)
      .filter((e) => e.stream === 'stdout')
      .map((e) => e.text);
    expect(stdoutLines.slice(0, 3000)).toEqual(Array.from({ length: 3000 }, (_, i) => `line ${i + 1} ***`));
    expect(batches.flatMap((b) => b.entries).some((e) => e.stream === 'stderr' && e.text === 'oops')).toBe(true);
    const events = server.json<EventBatch>('/events').flatMap((b) => b.events);
    expect(events[0]!.type).toBe('started');
    expect(events.some((e) => e.type === 'output' && e.name === 'x')).toBe(true);
    expect(events.some((e) => e.type === 'file' && e.file.path === 'a.log')).toBe(true);
    expect(server.received.some((x) => x.path === '/api/tasks/t1/files/result')).toBe(true);
    const [report] = server.json<AgentReport>('/report');
    expect(report).toEqual(r.report);
    expect(JSON.stringify(server.received.map((x) => x.body.toString()))).not.toContain(SECRET);
    expect(JSON.stringify(server.received.map((x) => x.body.toString()))).not.toContain('tok-123456789');
  });

  it('finishes the action with its own exit code when the engine is unreachable, spooling to disk', async () => {
    const t = task({ callback: { url: await deadUrl(), token: 'tok' } });
    const spool = join(t.dir, 'spool');
    const r = await runAgent(agent, ['sh', '-c', 'echo working; exit 0'], {
      ...t,
      env: { CARAVAN_AGENT_SPOOL_DIR: spool, CARAVAN_AGENT_RETRY_MS: '5' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('working\n');
    expect(r.report!.status).toBe('success');
    expect(r.report!.warnings.join('\n')).toMatch(/could not be reached: \d+ requests/);
    expect(existsSync(join(spool, 'spool.jsonl'))).toBe(true);
    expect(readFileSync(join(spool, 'spool.jsonl'), 'utf8')).toContain('"route":"report"');
  });
});

describe('caravan-agent with no engine (a plain `docker run` of an image that embeds it)', () => {
  const reportOn = (stderr: string): AgentReport => {
    const line = stderr.split('\n').find((l) => l.startsWith('[caravan-agent] report: '));
    expect(line, stderr).toBeDefined();
    return JSON.parse(line!.slice('[caravan-agent] report: '.length)) as AgentReport;
  };

  it('prints the report on stderr at the end when it has no context at all, the action output untouched', async () => {
    const r = await runAgent(agent, ['sh', '-c', 'echo "::set-output name=greeting::hi"; echo plain; exit 3']);
    expect(r.stdout).toBe('plain\n');
    expect(r.code).toBe(3);
    expect(reportOn(r.stderr)).toMatchObject({ status: 'failed', exitCode: 3, outputs: { greeting: 'hi' } });
  });

  it('prints the report on stdout after the action output with --report -, and not on stderr', async () => {
    const t = task({ secrets: { S: SECRET } });
    const r = await runAgent(agent, ['sh', '-c', `echo before; echo "::set-output name=s::${SECRET}"`], {
      contextFile: t.contextFile,
      reportFile: '-',
    });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('before\n{')).toBe(true);
    const report = JSON.parse(r.stdout.slice('before\n'.length)) as AgentReport;
    expect(report).toMatchObject({ status: 'success', exitCode: 0 });
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stderr).not.toContain('report:');
  });

  it('prints no report when a context is given (the engine reads it from its callback or --report)', async () => {
    const t = task({});
    const withFile = await runAgent(agent, ['true'], { contextFile: t.contextFile });
    const inline = await runAgent(agent, ['true'], { env: { CARAVAN_CONTEXT: '{}' } });
    expect(withFile.stderr).toBe('');
    expect(inline.stderr).toBe('');
  });
});
