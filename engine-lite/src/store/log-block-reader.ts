/**
 * The log reads of EngineStore over log blocks, for both stores: each read is one query (a tail
 * two), and the blocks read are turned into the lines they hold.
 */
import { blockLines, blockOf, linePosition, positionedLines } from './log-blocks.js';
import { logReadSql, type LogReadSql, type Placeholder } from './log-read-sql.js';
import type { Row } from './rows.js';
import type { PositionedLogEntry, StepLogTail, StoredLogEntry } from './types.js';

export type QueryRows = (sql: string, params: unknown[]) => Promise<Row[]>;

export class LogBlockReader {
  private readonly sql: LogReadSql;

  constructor(
    private readonly rows: QueryRows,
    ph: Placeholder,
  ) {
    this.sql = logReadSql(ph);
  }

  /** A step's lines in stored order; a run's by time, then stored order. */
  async getLogs(runId: string, stepId?: string): Promise<StoredLogEntry[]> {
    const rows =
      stepId === undefined
        ? await this.rows(this.sql.runBlocks, [runId])
        : await this.rows(this.sql.stepBlocks, [runId, stepId]);
    return rows.flatMap(blockLines);
  }

  async getLogTail(runId: string, stepId: string, limit: number): Promise<StepLogTail> {
    const total = Number((await this.rows(this.sql.stepCount, [runId, stepId]))[0]?.n ?? 0);
    if (limit <= 0) return { total, tail: [] };
    const rows = await this.rows(this.sql.stepTail, [runId, stepId, limit, limit]);
    return { total, tail: rows.flatMap(blockLines).slice(-limit) };
  }

  async getRunLogTails(runId: string, limit: number): Promise<Map<string, StepLogTail>> {
    const byStep = new Map<string, { total: number; blocks: Row[] }>();
    for (const r of await this.rows(this.sql.runTails, [runId, limit])) {
      const step = String(r.step_id);
      const seen = byStep.get(step);
      if (seen) seen.blocks.push(r);
      else byStep.set(step, { total: Number(r.total), blocks: [r] });
    }
    const out = new Map<string, StepLogTail>();
    for (const [step, { total, blocks }] of byStep) {
      blocks.sort((a, b) => Number(a.pos) - Number(b.pos));
      out.set(step, { total, tail: blocks.flatMap(blockLines).slice(-limit) });
    }
    return out;
  }

  /** Each block holds a line at least, so `limit` lines after `after` lie in its block and the `limit` next. */
  async getLogsAfter(runId: string, stepId: string, after: number, limit: number): Promise<PositionedLogEntry[]> {
    if (limit <= 0) return [];
    const rows = await this.rows(this.sql.blocksFrom, [runId, stepId, blockOf(after), limit + 1]);
    const out: PositionedLogEntry[] = [];
    for (const r of rows) {
      for (const line of positionedLines(r)) {
        if (line.pos <= after) continue;
        out.push(line);
        if (out.length === limit) return out;
      }
    }
    return out;
  }

  async logPosition(runId: string, stepId: string, count: number): Promise<number> {
    if (count <= 0) return 0;
    const row = (await this.rows(this.sql.lineBlock, [runId, stepId, count, count]))[0];
    if (!row) return 0;
    const lines = Number(row.lines);
    const before = Number(row.upto) - lines;
    return linePosition(Number(row.pos), Math.min(count - before, lines) - 1);
  }
}

/** The log reads of a store, once for both: each store gives its LogBlockReader. */
export abstract class LogReadingStore {
  protected abstract readonly logs: LogBlockReader;

  getLogs(runId: string, stepId?: string): Promise<StoredLogEntry[]> {
    return this.logs.getLogs(runId, stepId);
  }

  getLogTail(runId: string, stepId: string, limit: number): Promise<StepLogTail> {
    return this.logs.getLogTail(runId, stepId, limit);
  }

  getRunLogTails(runId: string, limit: number): Promise<Map<string, StepLogTail>> {
    return this.logs.getRunLogTails(runId, limit);
  }

  getLogsAfter(runId: string, stepId: string, after: number, limit: number): Promise<PositionedLogEntry[]> {
    return this.logs.getLogsAfter(runId, stepId, after, limit);
  }

  logPosition(runId: string, stepId: string, count: number): Promise<number> {
    return this.logs.logPosition(runId, stepId, count);
  }
}
