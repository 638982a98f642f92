/** `--executor-limit docker=2` (repeatable): the most steps of one executor kind running at once. */
import { defaultExecutors } from '@caravan/engine';

export class ExecutorLimitError extends Error {}

export function parseExecutorLimits(
  values: readonly string[],
  knownKinds: readonly string[] = defaultExecutors({ stateDir: '' }).kinds(),
): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const value of values) {
    const m = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(value.trim());
    if (!m) throw new ExecutorLimitError(`--executor-limit "${value}" must be KIND=N, e.g. docker=2`);
    const [, kind, count] = m as unknown as [string, string, string];
    if (!knownKinds.includes(kind))
      throw new ExecutorLimitError(
        `--executor-limit ${value}: no executor "${kind}"; use one of ${knownKinds.join(', ')}`,
      );
    if (Number(count) < 1) throw new ExecutorLimitError(`--executor-limit ${value}: the limit must be at least 1`);
    limits[kind] = Number(count);
  }
  return limits;
}
