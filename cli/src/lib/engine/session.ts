/** Runs (or resumes) one run in the foreground: progress, Ctrl-C as cancel, exit code. */
import type { Engine } from '@caravan/engine';
import type { RunRecord } from '@caravan/engine';
import { ProgressPrinter } from './progress.js';

/** 0 when every step succeeded (or was skipped by its condition), else 1. */
export async function driveRun(
  engine: Engine,
  run: RunRecord,
  out: NodeJS.WriteStream = process.stdout,
): Promise<number> {
  const progress = new ProgressPrinter(run.pipeline, out);
  const off = engine.on(progress.onEvent);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        `\ncancelling run ${run.id} (Ctrl-C again to leave it running; resume with caravan resume ${run.id})\n`,
      );
      engine
        .cancel(run.id)
        .catch((err: Error) => process.stderr.write(`could not cancel run ${run.id}: ${err.message}\n`));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  const started = Date.now();
  try {
    progress.draw();
    const status = await engine.execute(run.id);
    progress.finish(run.id, status, Date.now() - started);
    const steps = await engine.store.getSteps(run.id);
    for (const s of steps) {
      if (s.error && s.status !== 'success' && s.status !== 'skipped')
        process.stderr.write(`step ${s.stepId} ${s.status}: ${s.error}\n`);
    }
    return status === 'success' ? 0 : 1;
  } finally {
    off();
    process.off('SIGINT', onSigint);
  }
}
