/** `caravan runs show` of a run on a server: the API's view, printed as the local one is. */
import { duration, STATUS_MARK, table } from './format.js';

export interface RemoteStep {
  id: string;
  needs: string[];
  status: string;
  attempt: number;
  action?: string;
  durationMs?: number;
  error?: string;
  outputs: Record<string, string>;
  files: Array<{ name: string; sha256: string; size: number }>;
  summary?: string;
}

export interface RemoteRun {
  id: string;
  status: string;
  cancelRequested: boolean;
  pipeline: string;
  file: string;
  executor: string;
  params: Record<string, unknown>;
  secretNames: string[];
  labels: Record<string, string>;
  rerunOf?: string;
  durationMs?: number;
  steps: RemoteStep[];
}

export function printRemoteRun(run: RemoteRun, log: (line: string) => void): void {
  log(`run ${run.id}  ${run.status}${run.cancelRequested && run.status !== 'cancelled' ? ' (cancel requested)' : ''}`);
  log(`pipeline ${run.pipeline} (${run.file})  executor ${run.executor}  ${duration(run.durationMs)}`);
  if (run.rerunOf) log(`rerun of ${run.rerunOf}`);
  if (Object.keys(run.params).length) log(`params ${JSON.stringify(run.params)}`);
  if (Object.keys(run.labels).length) log(`labels ${JSON.stringify(run.labels)}`);
  if (run.secretNames.length) log(`secrets ${run.secretNames.join(', ')} (values never returned)`);
  log('');
  const rows = [['', 'STEP', 'STATUS', 'ATTEMPT', 'DURATION', 'ACTION']];
  for (const s of run.steps)
    rows.push([STATUS_MARK[s.status] ?? '', s.id, s.status, String(s.attempt), duration(s.durationMs), s.action ?? '']);
  log(table(rows));
  for (const s of run.steps) {
    const outs = Object.entries(s.outputs);
    if (!outs.length && !s.error && !s.files.length && s.summary === undefined) continue;
    log(`\n${s.id}:`);
    for (const [k, v] of outs) log(`  output ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`);
    for (const f of s.files) log(`  file ${f.name} (${f.size} bytes, sha256 ${f.sha256.slice(0, 12)})`);
    if (s.error) log(`  error: ${s.error}`);
    if (s.summary !== undefined) {
      log('  summary:');
      for (const line of s.summary.replace(/\n$/, '').split(/\r?\n/)) log(`    ${line}`);
    }
  }
}
