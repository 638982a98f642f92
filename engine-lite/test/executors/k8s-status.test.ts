import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { taskStateFromJob } from '../../src/executors/k8s-status.js';

const job = (extra: Partial<V1Job> = {}): V1Job => ({
  metadata: { name: 'j' },
  spec: { template: {} },
  status: {},
  ...extra,
});
const failed = (reason: string): V1Job => job({ status: { conditions: [{ type: 'Failed', status: 'True', reason }] } });

describe('k8s status mapping', () => {
  it('maps a missing Job to gone and a suspended (not yet started) one to created', () => {
    expect(taskStateFromJob(null, []).phase).toBe('gone');
    expect(taskStateFromJob(job({ spec: { suspend: true, template: {} } }), [])).toEqual({ phase: 'created' });
  });

  it('names an init container that could not copy the agent', () => {
    const pod: V1Pod = {
      status: {
        phase: 'Failed',
        initContainerStatuses: [
          {
            name: 'caravan-agent-init',
            image: 'a',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 1 } },
          },
        ],
      },
    };
    const state = taskStateFromJob(failed('BackoffLimitExceeded'), [pod]);
    expect(state).toMatchObject({ phase: 'exited', exitCode: 1 });
    expect(state.message).toMatch(/init container could not copy the agent/);
  });

  it('reports a Job being deleted as cancelled', () => {
    const state = taskStateFromJob(job({ metadata: { name: 'j', deletionTimestamp: new Date() } }), []);
    expect(state).toMatchObject({ phase: 'exited', exitCode: 143 });
    expect(state.message).toMatch(/cancelled/);
  });

  it('uses the newest pod when there are several', () => {
    const pod = (at: number, code: number): V1Pod => ({
      metadata: { creationTimestamp: new Date(at) },
      status: {
        containerStatuses: [
          {
            name: 'action',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: code } },
          },
        ],
      },
    });
    expect(taskStateFromJob(failed('BackoffLimitExceeded'), [pod(2000, 5), pod(1000, 9)])).toMatchObject({
      exitCode: 5,
    });
  });

  it('treats a Failed Job without a reason or pod as a failure, never a success', () => {
    const state = taskStateFromJob(job({ status: { conditions: [{ type: 'Failed', status: 'True' }] } }), []);
    expect(state.phase).toBe('exited');
    expect(state.exitCode).not.toBe(0);
    expect(state.message).toMatch(/no reason given/);
  });
});
