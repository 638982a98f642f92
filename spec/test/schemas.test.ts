import { describe, expect, it } from 'vitest';
import type { AgentReport, EventBatch, LogBatch, TaskContext } from '../src/agent-types.js';
import { validateJson } from '../src/schemas.js';

const context: TaskContext = {
  taskId: 't-1',
  runId: 'r-1',
  stepId: 'build',
  secrets: { TOKEN: 'x' },
  params: { level: 3, flags: ['a'], options: { a: 1 } },
  env: { CI: 'true' },
  outputsFile: '/tmp/out',
  watch: ['dist/**'],
  files: [{ name: 'report', path: 'out/report.txt' }],
  callback: { url: 'http://127.0.0.1:7070/api/tasks/t-1', token: 'tok' },
  timeoutSeconds: 600,
  graceSeconds: 10,
  workdir: '/work',
  outputs: { image: { type: 'string', description: 'built image' } },
  warnPatterns: ['^warn'],
};

const report: AgentReport = {
  status: 'failed',
  exitCode: 2,
  signal: null,
  outputs: { image: 'reg/app:1' },
  errors: [
    { message: 'exit 2', kind: 'exit' },
    { message: 'bad', kind: 'annotation', file: 'a.ts', line: 3, col: 1 },
  ],
  warnings: ['slow'],
  annotations: [{ level: 'error', message: 'boom', title: 'T', file: 'a.ts', line: 1, col: 2 }],
  files: [{ name: 'report', path: 'out/report.txt', event: 'add', size: 10, sha256: 'a'.repeat(64), content: 'hello' }],
  stderrExcerpt: ['last line'],
  durationMs: 1234,
  masked: 2,
};

const logs: LogBatch = {
  seq: 1,
  entries: [
    { stream: 'stdout', text: 'hi', ts: 1_700_000_000_000 },
    { stream: 'agent', text: 'started', ts: 1_700_000_000_001 },
  ],
};

const events: EventBatch = {
  seq: 3,
  events: [
    { type: 'started', pid: 42, ts: 1 },
    { type: 'output', name: 'image', value: 'x', ts: 2 },
    { type: 'file', file: { path: 'a', size: 0, sha256: '', event: 'unlink' }, ts: 3 },
    { type: 'annotation', annotation: { level: 'notice', message: 'n' }, ts: 4 },
  ],
};

describe('agent schemas describe the TypeScript types', () => {
  it('accept samples of TaskContext, AgentReport, LogBatch and EventBatch', () => {
    expect(validateJson('task-context', context)).toEqual({ ok: true });
    expect(validateJson('task-context', { secrets: {}, params: {}, env: {}, watch: [], files: [] })).toEqual({
      ok: true,
    });
    expect(validateJson('agent-report', report)).toEqual({ ok: true });
    expect(validateJson('log-batch', logs)).toEqual({ ok: true });
    expect(validateJson('event-batch', events)).toEqual({ ok: true });
  });
  it.each([
    ['task-context', { ...context, secrets: { A: 1 } }, /\/secrets\/A must be string/],
    ['task-context', { ...context, watch: undefined }, /must have required property 'watch'/],
    ['task-context', { ...context, callback: { url: 'x' } }, /required property 'token'/],
    ['task-context', { ...context, extra: 1 }, /must NOT have additional properties/],
    ['agent-report', { ...report, status: 'ok' }, /\/status must be equal to one of the allowed values/],
    ['agent-report', { ...report, exitCode: '1' }, /\/exitCode must be integer,null/],
    ['agent-report', { ...report, errors: [{ message: 'x', kind: 'weird' }] }, /\/errors\/0\/kind/],
    [
      'agent-report',
      { ...report, files: [{ path: 'a', size: 1, sha256: 'nothex' }] },
      /\/files\/0\/sha256 must match pattern/,
    ],
    ['log-batch', { seq: 0, entries: [] }, /\/seq must be >= 1/],
    ['log-batch', { seq: 1, entries: [{ stream: 'stdin', text: 'x', ts: 1 }] }, /\/entries\/0\/stream/],
    [
      'event-batch',
      { seq: 1, events: [{ type: 'output', name: 'x', ts: 1 }] },
      /\/events\/0 must match exactly one schema/,
    ],
  ] as const)('%s refuses %j', (schema, value, message) => {
    const result = validateJson(schema, value);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(message);
  });
});
