import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActionError, engineEnv, getInput, info, run, setOutput } from './lib/io.mjs';

/** The decision file written (atomically) by `caravan approve`, or undefined while there is none. */
function readDecision(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw new ActionError(`cannot read the approval file ${file}: ${err.message}`);
  }
  let decision;
  try {
    decision = JSON.parse(text);
  } catch (err) {
    throw new ActionError(
      `the approval file ${file} is not valid JSON (${err.message}): write it with caravan approve`,
    );
  }
  if (decision?.decision !== 'approved' && decision?.decision !== 'rejected') {
    throw new ActionError(
      `the approval file ${file} must have "decision": "approved" or "rejected", got ${JSON.stringify(decision?.decision)}`,
    );
  }
  return decision;
}

run(async () => {
  const message = getInput('message', { default: 'Approve to continue' });
  const timeout = getInput('timeout', { type: 'number', default: 3600, min: 0 });
  const interval = getInput('interval', { type: 'number', default: 1, min: 0.01 });
  const dir = engineEnv('CARAVAN_APPROVALS_DIR', 'the directory where caravan approve writes decisions');
  const runId = engineEnv('CARAVAN_RUN_ID', 'the current run');
  const stepId = engineEnv('CARAVAN_STEP_ID', 'the current step');
  const file = join(dir, runId, `${stepId}.json`);

  info(`${message}`);
  info(`Waiting up to ${timeout}s for a decision: caravan approve ${runId} ${stepId} [--reject] [--comment TEXT]`);
  const deadline = performance.now() + timeout * 1000;
  for (;;) {
    const decision = readDecision(file);
    if (decision) {
      const by = typeof decision.by === 'string' ? decision.by : '';
      const comment = typeof decision.comment === 'string' ? decision.comment : '';
      setOutput('decision', decision.decision);
      setOutput('by', by);
      setOutput('comment', comment);
      if (decision.decision === 'rejected')
        throw new ActionError(`rejected${by ? ` by ${by}` : ''}${comment ? `: ${comment}` : ''}`);
      info(`Approved${by ? ` by ${by}` : ''}${comment ? `: ${comment}` : ''}`);
      return;
    }
    if (performance.now() >= deadline) {
      throw new ActionError(
        `no decision within ${timeout}s: approve with "caravan approve ${runId} ${stepId}" sooner, or raise "timeout"`,
      );
    }
    await sleep(Math.min(interval * 1000, Math.max(0, deadline - performance.now())));
  }
});
