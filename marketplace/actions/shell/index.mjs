import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionError, getInput, run, setOutput, workspacePath } from './lib/io.mjs';

const FLAGS = { sh: ['-e'], bash: ['--noprofile', '--norc', '-e', '-o', 'pipefail'] };

function runScript(shell, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, { cwd, stdio: 'inherit' });
    // Under caravan-agent a signal goes to the whole process group, which the shell is part of:
    // forwarding it would deliver it twice (a trap would run twice). Elsewhere, pass it on.
    const underAgent = process.env.CARAVAN_OUTPUT !== undefined;
    const forward = (signal) => {
      if (!underAgent) child.kill(signal);
    };
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    child.on('error', (err) => {
      if (err.code === 'ENOENT')
        reject(
          new ActionError(`shell "${shell}" was not found on PATH: use shell: sh, or install ${shell} in the image`),
        );
      else reject(err);
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
}

run(async () => {
  const script = getInput('run', { required: true });
  const shell = getInput('shell', { default: 'sh', enum: ['sh', 'bash'] });
  const dir = workspacePath(getInput('working-directory', { default: '.' }));
  const trace = getInput('trace', { type: 'boolean', default: false });
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ActionError(`working-directory ${dir} does not exist or is not a directory`);

  const tmp = mkdtempSync(join(tmpdir(), 'caravan-shell-'));
  try {
    const file = join(tmp, `script.${shell}`);
    writeFileSync(file, script.endsWith('\n') ? script : `${script}\n`);
    const { code, signal } = await runScript(shell, [...FLAGS[shell], ...(trace ? ['-x'] : []), file], dir);
    if (signal) throw new ActionError(`the script was killed by ${signal}`);
    setOutput('exit-code', code);
    if (code !== 0) {
      process.exitCode = code;
      throw new ActionError(`the script failed with exit code ${code}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
