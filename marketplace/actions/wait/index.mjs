import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActionError, getInput, info, run, setOutput, workspacePath } from './lib/io.mjs';

function statusMatcher(spec) {
  const parts = spec
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  for (const p of parts) {
    if (!/^[1-5](\d\d|xx)$/.test(p))
      throw new ActionError(`input "expected-status" has "${p}", which is not a status code (200) or class (2xx)`);
  }
  return (status) => parts.some((p) => (p.endsWith('xx') ? String(status)[0] === p[0] : Number(p) === status));
}

async function probeUrl(url, accepts, timeoutMs) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    await res.body?.cancel();
    return accepts(res.status) ? null : `status ${res.status}`;
  } catch (err) {
    return err.name === 'TimeoutError' ? 'no answer in time' : (err.cause?.code ?? err.cause?.message ?? err.message);
  }
}

function redactUrl(url) {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

run(async () => {
  const seconds = getInput('seconds', { type: 'number', min: 0 });
  const url = getInput('url');
  const file = getInput('file');
  const timeout = getInput('timeout', { type: 'number', default: 60, min: 0 });
  const interval = getInput('interval', { type: 'number', default: 1, min: 0.01 });
  const modes = [seconds !== undefined && 'seconds', url !== undefined && 'url', file !== undefined && 'file'].filter(
    Boolean,
  );
  if (modes.length !== 1) {
    throw new ActionError(
      modes.length === 0
        ? 'nothing to wait for: give one of "seconds", "url" or "file"'
        : `give only one of "seconds", "url" or "file", got ${modes.join(' and ')}`,
    );
  }
  const started = performance.now();
  const done = () => setOutput('waited', Math.round(performance.now() - started) / 1000);

  if (seconds !== undefined) {
    info(`Sleeping ${seconds}s`);
    await sleep(seconds * 1000);
    return done();
  }

  let check;
  let what;
  if (url !== undefined) {
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new ActionError(
        `input "url" must be an http:// or https:// URL, got ${JSON.stringify(redactUrl(url).slice(0, 200))}`,
      );
    }
    const accepts = statusMatcher(getInput('expected-status', { default: '2xx' }));
    what = redactUrl(url);
    check = () => probeUrl(url, accepts, Math.max(interval * 1000, 1000));
  } else {
    const path = workspacePath(file);
    what = path;
    check = async () => (existsSync(path) ? null : 'not there yet');
  }

  info(`Waiting up to ${timeout}s for ${what}`);
  const deadline = started + timeout * 1000;
  for (;;) {
    const problem = await check();
    if (problem === null) {
      info(`${what} is ready`);
      return done();
    }
    if (performance.now() >= deadline)
      throw new ActionError(
        `timed out after ${timeout}s waiting for ${what} (last check: ${problem}); raise "timeout" or check that it comes up`,
      );
    await sleep(Math.min(interval * 1000, Math.max(0, deadline - performance.now())));
  }
});
