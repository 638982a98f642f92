import { renameSync, writeFileSync } from 'node:fs';
import type { Report } from './contract.js';

/** Writes the report atomically (temp file + rename), readable by its owner only. */
export function writeReportFile(path: string, report: Report): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

/** The report when the agent itself could not do its job (bad context, internal failure). */
export function agentErrorReport(message: string, kind: 'internal' | 'start', durationMs = 0): Report {
  return {
    status: 'error',
    exitCode: null,
    signal: null,
    outputs: {},
    errors: [{ kind, message }],
    warnings: [],
    annotations: [],
    files: [],
    stderrExcerpt: [],
    durationMs,
    masked: 0,
  };
}
