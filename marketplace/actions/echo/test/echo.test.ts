import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

describe('caravan/echo under the agent', () => {
  it('prints the message and hands it on as an output', async () => {
    const run = await runAction('echo', { message: 'hello, caravan' });
    expect(run.exitCode).toBe(0);
    expect(run.report.status).toBe('success');
    expect(run.stdout).toContain('hello, caravan');
    expect(run.report.outputs.message).toBe('hello, caravan');
  });

  it('keeps a multi-line message whole', async () => {
    const message = 'line one\nline two\n\nline four';
    const run = await runAction('echo', { message });
    expect(run.report.outputs.message).toBe(message);
  });

  it('masks a secret inside the message, in the log and the output', async () => {
    const run = await runAction(
      'echo',
      { message: 'token is s3cr3t-value-42' },
      { secrets: { API_TOKEN: 's3cr3t-value-42' } },
    );
    expect(run.stdout).not.toContain('s3cr3t-value-42');
    expect(JSON.stringify(run.report)).not.toContain('s3cr3t-value-42');
  });

  it('fails clearly when the message is missing', async () => {
    const run = await runAction('echo', {});
    expect(run.exitCode).not.toBe(0);
    expect(run.report.status).toBe('failed');
    expect(errorMessages(run)).toMatch(/input "message" is required/);
  });
});
