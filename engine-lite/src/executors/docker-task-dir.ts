/**
 * A task's host folder, `<stateDir>/caravan-<task>.task/`, made before its container. It records
 * the attempt on this host: its existence says `create` was reached, the file `starting` (written
 * just before the container is started) that the container may have run. When the daemon sees the
 * host's files it is bind-mounted at `/caravan/task`, where the agent writes its report and, while
 * no engine answers, its spool (`report.json.spool/`), so both outlive the container.
 */
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentReport } from '@caravan/spec';
import { readTaskFile } from '../task-file.js';
import { containerName } from './docker-options.js';
import { MAX_REPORT_BYTES, REPORT_READ } from './docker-report.js';

/** Where a container sees its task folder when it is bind-mounted. */
export const CONTAINER_TASK_DIR = '/caravan/task';
export const BOUND_REPORT_FILE = `${CONTAINER_TASK_DIR}/report.json`;
const STARTING = 'starting';
/** Present when the folder is bind-mounted into the container (the report and spool land here). */
const BOUND = 'bound';
/** The spool, beside the report (agent/src/spool.ts). */
const SPOOL = 'report.json.spool';
/** Where a spool copied out of a container is unpacked. */
const COPIED = 'copied';

export class TaskDir {
  readonly path: string;

  constructor(stateDir: string, taskId: string) {
    this.path = join(stateDir, `${containerName(taskId)}.task`);
  }

  /** Made (and given to the container's user, when it is another) before the container exists. */
  make(owner?: { uid: number; gid: number }): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    if (owner) chownSync(this.path, owner.uid, owner.gid);
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  markBound(): void {
    writeFileSync(join(this.path, BOUND), '', { mode: 0o600 });
  }

  isBound(): boolean {
    return existsSync(join(this.path, BOUND));
  }

  /** Written before the container is started: from here on, its action may have run. */
  markStarting(): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.path, STARTING), '', { mode: 0o600 });
  }

  wasStarted(): boolean {
    return existsSync(join(this.path, STARTING));
  }

  /**
   * The report the agent wrote into the bound folder, if it did; the container could write there,
   * so it is read as a task file (regular, within the report's limit, else TaskOutputRefused).
   */
  async report(): Promise<AgentReport | undefined> {
    const file = join(this.path, 'report.json');
    const rule = { maxBytes: MAX_REPORT_BYTES, what: "the agent's report", remedy: REPORT_READ.limit.remedy };
    const text = (await readTaskFile(file, rule))?.toString('utf8');
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as AgentReport;
      return typeof parsed === 'object' && parsed !== null && typeof parsed.status === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** The spool the agent wrote into the bound folder. */
  get spool(): string {
    return join(this.path, SPOOL);
  }

  /** Where a spool copied out of the container is unpacked (`<copied>/report.json.spool`). */
  get copied(): string {
    return join(this.path, COPIED);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
