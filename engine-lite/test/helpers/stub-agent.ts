/**
 * A stand-in for caravan-agent used until the real portable build exists: it follows the agent's
 * command line and callback contract (`run --context F [--report R] -- CMD`, env, outputs file,
 * final report POSTed to `{callback.url}/report`), without masking or watching.
 */
export const STUB_AGENT_SOURCE = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const args = process.argv.slice(2);
const sep = args.indexOf('--');
let contextFile, reportFile;
for (let i = 1; i < sep; i++) {
  if (args[i] === '--context') contextFile = args[++i];
  else if (args[i] === '--report') reportFile = args[++i];
}
const command = args.slice(sep + 1);
const ctx = JSON.parse(fs.readFileSync(contextFile, 'utf8'));
const outputsFile = ctx.outputsFile || '/tmp/caravan-outputs';
fs.writeFileSync(outputsFile, '');
const env = { ...process.env, ...ctx.env, ...ctx.secrets, CARAVAN_OUTPUT: outputsFile, METAFILE: outputsFile };
for (const [k, v] of Object.entries(ctx.params || {})) env['INPUT_' + k.toUpperCase().replace(/[-.]/g, '_')] = String(v);
const started = Date.now();
let cancelled = false;
let done = false;
const child = spawn(command[0], command.slice(1), { cwd: ctx.workdir, env, stdio: 'inherit' });
process.on('SIGTERM', () => { cancelled = true; child.kill('SIGTERM'); });
child.on('error', (e) => finish(127, null, e.message));
child.on('exit', (code, signal) => finish(code, signal));
function finish(code, signal, startError) {
  if (done) return;
  done = true;
  const outputs = {};
  for (const line of fs.readFileSync(outputsFile, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const exitCode = code ?? 128 + (os.constants.signals[signal] || 0);
  const report = {
    status: cancelled ? 'cancelled' : exitCode === 0 ? 'success' : 'failed',
    exitCode, signal: signal || null, outputs,
    errors: startError ? [{ message: startError, kind: 'start' }] : [],
    warnings: [], annotations: [], files: [], stderrExcerpt: [], durationMs: Date.now() - started, masked: 0,
  };
  if (reportFile) fs.writeFileSync(reportFile, JSON.stringify(report));
  const end = () => process.exit(exitCode);
  if (!ctx.callback) return end();
  fetch(ctx.callback.url + '/report', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + ctx.callback.token, 'content-type': 'application/json' },
    body: JSON.stringify(report),
  }).then(end, end);
}
`;
