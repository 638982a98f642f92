/**
 * What agents send to the callback API, taken in: log batches, events and declared files are
 * written through their run's recorder (masked there); a final report is kept, masked, until the
 * end of its attempt takes it.
 */
import type { Readable } from 'node:stream';
import type { AgentReport, EventBatch, LogBatch } from '@caravan/spec';
import type { CallbackHandlers, TaskGrant } from './callback/server.js';
import type { BlobStore } from './blobs.js';
import type { TextMasker } from './masking.js';
import type { RunRecorder } from './run-recorder.js';
import { MAX_STEP_FILE_BYTES } from './step-files.js';
import type { FileRecord } from './store/types.js';

export interface IntakeDeps {
  masker: TextMasker;
  blobs: Pick<BlobStore, 'putStream'>;
  /** The recorder of the run the task belongs to. */
  recorderFor(runId: string): RunRecorder;
  /** Told each stored file, for the steps of its run that start later. */
  fileStored(file: FileRecord): void;
}

export class CallbackIntake implements CallbackHandlers {
  private readonly reports = new Map<string, AgentReport>();

  constructor(private readonly deps: IntakeDeps) {}

  logs(g: TaskGrant, batch: LogBatch): Promise<boolean> {
    return this.deps.recorderFor(g.runId).logs(g.stepId, g.taskId, batch.seq, batch.entries);
  }

  async events(g: TaskGrant, batch: EventBatch): Promise<void> {
    const recorder = this.deps.recorderFor(g.runId);
    for (const e of batch.events) {
      const data = e as unknown as Record<string, unknown>;
      await recorder.event(`agent.${e.type}`, data, g.stepId, typeof data.ts === 'number' ? data.ts : undefined);
    }
  }

  async file(g: TaskGrant, name: string, body: Readable): Promise<void> {
    const { sha256, size } = await this.deps.blobs.putStream(body, MAX_STEP_FILE_BYTES);
    const f = { runId: g.runId, stepId: g.stepId, name, sha256, size };
    await this.deps.recorderFor(g.runId).file(f);
    this.deps.fileStored(f);
  }

  async report(g: TaskGrant, report: AgentReport): Promise<void> {
    this.reports.set(g.taskId, this.deps.masker.maskDeep(report));
  }

  /** The report the agent sent for this task, once. */
  takeReport(taskId: string): AgentReport | undefined {
    const r = this.reports.get(taskId);
    this.reports.delete(taskId);
    return r;
  }
}
