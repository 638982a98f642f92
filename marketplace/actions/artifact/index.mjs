import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ActionError, engineEnv, getInput, info, run, setOutput, workspacePath } from './lib/io.mjs';
import { copyTree, publishDir, treeStats } from './lib/tree.mjs';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

function checkName(value, input) {
  if (!NAME.test(value) || value.includes('..')) {
    throw new ActionError(
      `input "${input}" must be 1-100 letters, digits, ".", "_" or "-" (no "/" and no ".."), got ${JSON.stringify(value.slice(0, 120))}`,
    );
  }
  return value;
}

function upload(store, runId, name, source, overwrite) {
  if (!existsSync(source))
    throw new ActionError(`path ${source} does not exist: nothing to upload as artifact "${name}"`);
  const runDir = join(store, runId);
  mkdirSync(runDir, { recursive: true });
  const final = join(runDir, name);
  if (existsSync(final) && !overwrite)
    throw new ActionError(
      `artifact "${name}" already exists in run ${runId}: pick another name or set overwrite: true`,
    );
  const staged = mkdtempSync(join(runDir, '.staging-'));
  const { files, bytes } = treeStats(source);
  copyTree(source, statSync(source).isDirectory() ? staged : join(staged, basename(source)));
  if (existsSync(final)) {
    const old = `${staged}.old`;
    renameSync(final, old);
    rmSync(old, { recursive: true, force: true });
  }
  if (!publishDir(staged, final))
    throw new ActionError(`artifact "${name}" was uploaded by another step at the same time; pick another name`);
  info(`Uploaded ${files} files (${bytes} bytes) as artifact "${name}" of run ${runId}`);
  setOutput('files', files);
  setOutput('size', bytes);
}

function download(store, runId, name, target) {
  const from = join(store, runId, name);
  if (!existsSync(from)) {
    const available = existsSync(join(store, runId))
      ? readdirSync(join(store, runId)).filter((n) => !n.startsWith('.'))
      : [];
    throw new ActionError(
      `artifact "${name}" not found in run ${runId} (artifacts there: ${available.join(', ') || 'none'}); upload it first with mode: upload`,
    );
  }
  mkdirSync(target, { recursive: true });
  copyTree(from, target);
  const { files, bytes } = treeStats(from);
  info(`Downloaded artifact "${name}" of run ${runId} into ${target}: ${files} files (${bytes} bytes)`);
  setOutput('files', files);
  setOutput('size', bytes);
  setOutput('path', target);
}

run(() => {
  const mode = getInput('mode', { required: true, enum: ['upload', 'download'] });
  const name = checkName(getInput('name', { required: true }), 'name');
  const path = workspacePath(getInput('path', { required: true }));
  const overwrite = getInput('overwrite', { type: 'boolean', default: false });
  const store = engineEnv('CARAVAN_ARTIFACTS_DIR', 'the artifact store directory');
  const givenRun = getInput('run-id');
  if (givenRun !== undefined && mode === 'upload')
    throw new ActionError('input "run-id" is for download only: an upload always belongs to this run');
  const runId = checkName(
    givenRun ?? engineEnv('CARAVAN_RUN_ID', 'the current run'),
    givenRun !== undefined ? 'run-id' : 'CARAVAN_RUN_ID',
  );
  if (mode === 'upload') upload(store, runId, name, path, overwrite);
  else download(store, runId, name, path);
});
