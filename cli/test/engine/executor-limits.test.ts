import { describe, expect, it } from 'vitest';
import { ExecutorLimitError, parseExecutorLimits } from '../../src/lib/engine/executor-limits.js';

describe('parseExecutorLimits', () => {
  it('reads KIND=N pairs, the last one of a kind winning', () => {
    expect(parseExecutorLimits(['docker=2', 'process=8', 'docker=3'])).toEqual({ docker: 3, process: 8 });
    expect(parseExecutorLimits([])).toEqual({});
  });

  it('names what is wrong: the form, an unknown executor, a zero limit', () => {
    expect(() => parseExecutorLimits(['docker'])).toThrow(ExecutorLimitError);
    expect(() => parseExecutorLimits(['docker=-1'])).toThrow(/must be KIND=N, e.g. docker=2/);
    expect(() => parseExecutorLimits(['podman=1'])).toThrow(
      /no executor "podman"; use one of docker, k8s, noop, process/,
    );
    expect(() => parseExecutorLimits(['k8s=0'])).toThrow(/at least 1/);
  });
});
