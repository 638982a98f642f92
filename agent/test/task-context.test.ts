import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContextError, parseContext, readContextText } from '../src/task-context.js';

describe('task context', () => {
  it('fills defaults for an empty context', () => {
    expect(parseContext('{}', 'ctx').context).toEqual({ secrets: {}, params: {}, env: {}, watch: [], files: [] });
  });

  it('reads every field', () => {
    const { context, warnings } = parseContext(
      JSON.stringify({
        taskId: 't1',
        secrets: { A: 'x' },
        params: { n: 1 },
        env: { E: 'e' },
        outputsFile: 'o',
        watch: ['*.log'],
        files: [{ name: 'dist', path: 'dist' }],
        callback: { url: 'http://h:1/api/tasks/t1/', token: 'tok' },
        timeoutSeconds: 5,
        graceSeconds: 0,
        workdir: '/w',
        outputs: { n: { type: 'number' } },
        warnPatterns: ['^warn'],
        prependPath: ['/opt/a/bin', '/opt/b/bin'],
        extra: 1,
      }),
      'ctx.json',
    );
    expect(context.callback).toEqual({ url: 'http://h:1/api/tasks/t1', token: 'tok' });
    expect(context).toMatchObject({
      taskId: 't1',
      timeoutSeconds: 5,
      graceSeconds: 0,
      workdir: '/w',
      warnPatterns: ['^warn'],
      prependPath: ['/opt/a/bin', '/opt/b/bin'],
    });
    expect(warnings).toEqual(['ctx.json: context.extra is not a known field; it is ignored']);
  });

  it('lists every problem, naming the field, without echoing values that may be secrets', () => {
    let message = '';
    try {
      parseContext(
        JSON.stringify({
          secrets: { A: 12345678 },
          params: [],
          timeoutSeconds: -1,
          files: [{ name: 'x' }],
          callback: { url: 'ftp://x', token: 't' },
          warnPatterns: ['('],
          outputs: { a: { type: 'int' } },
        }),
        'ctx.json',
      );
    } catch (err) {
      expect(err).toBeInstanceOf(ContextError);
      message = (err as Error).message;
    }
    expect(message).toContain('ctx.json: context.secrets.A must be a string, got a number');
    expect(message).not.toContain('12345678');
    expect(message).toContain('context.params must be an object, got a list');
    expect(message).toContain('context.timeoutSeconds must be a number of seconds >= 0, got -1');
    expect(message).toContain('context.files[0] must be {"name": string, "path": string}');
    expect(message).toContain('context.callback.url must be an http:// or https:// URL');
    expect(message).toContain('context.warnPatterns[0] is not a valid regular expression');
    expect(message).toContain('context.outputs.a.type must be one of string, number, boolean, json');
  });

  it('reads dynamicOutputs as a boolean, and names a wrong type', () => {
    expect(parseContext('{"dynamicOutputs": true}', 'c.json').context.dynamicOutputs).toBe(true);
    expect(parseContext('{"dynamicOutputs": false}', 'c.json').context.dynamicOutputs).toBeUndefined();
    expect(() => parseContext('{"dynamicOutputs": "yes"}', 'c.json')).toThrow(
      /c\.json: context\.dynamicOutputs must be true or false, got a string/,
    );
  });

  it('rejects malformed JSON and non-objects', () => {
    expect(() => parseContext('{"a":', 'c.json')).toThrow(/^c\.json: the task context is not valid JSON/);
    expect(() => parseContext('[1]', 'c.json')).toThrow(/must be a JSON object, got a list/);
  });

  it('takes --context FILE, else CARAVAN_CONTEXT inline or as a path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"env":{"A":"1"}}');
    expect(readContextText(file, {}).text).toBe('{"env":{"A":"1"}}');
    expect(readContextText(undefined, { CARAVAN_CONTEXT: ' {"a":1}' }).source).toBe('CARAVAN_CONTEXT');
    expect(readContextText(undefined, { CARAVAN_CONTEXT: file }).text).toContain('"A"');
    expect(readContextText(undefined, {}).text).toBe('{}');
    expect(() => readContextText(join(dir, 'missing.json'), {})).toThrow(
      /--context .*missing\.json: the context file does not exist/,
    );
  });

  it('refuses prependPath that is not a list of folders', () => {
    expect(() => parseContext('{"prependPath": "/opt"}', 'c')).toThrow(
      'c: context.prependPath must be a list of strings',
    );
    expect(() => parseContext('{"prependPath": ["/a", ""]}', 'c')).toThrow(
      'c: context.prependPath must hold folder paths: no empty string, no NUL byte',
    );
  });
});
