/**
 * Approval decisions for `caravan/approval`: `$CARAVAN_HOME/approvals/<runId>/<stepId>.json` =
 * `{"decision":"approved"|"rejected","by","comment","at"}`, written atomically (temp file + rename)
 * so the polling action never reads half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { enginePaths } from './paths.js';

export interface Approval {
  decision: 'approved' | 'rejected';
  by: string;
  comment?: string;
  at: string;
}

const ID = /^[A-Za-z0-9._-]+$/;

export function writeApproval(
  home: string,
  runId: string,
  stepId: string,
  o: { reject?: boolean; comment?: string; by?: string },
): { path: string; approval: Approval } {
  if (!ID.test(runId) || runId.startsWith('.')) throw new Error(`invalid run id "${runId}"`);
  if (!ID.test(stepId) || stepId.startsWith('.')) throw new Error(`invalid step id "${stepId}"`);
  const dir = join(enginePaths(home).approvals, runId);
  mkdirSync(dir, { recursive: true });
  const approval: Approval = {
    decision: o.reject ? 'rejected' : 'approved',
    by: o.by ?? safeUser(),
    ...(o.comment ? { comment: o.comment } : {}),
    at: new Date().toISOString(),
  };
  const path = join(dir, `${stepId}.json`);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(approval));
  renameSync(tmp, path);
  return { path, approval };
}

function safeUser(): string {
  try {
    return process.env.CARAVAN_USER || userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
