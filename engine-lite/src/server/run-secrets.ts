/**
 * The secrets of the service's runs: sealed in the server store while the run can use them, open
 * in memory while it is driven, masked by the engine from the moment they arrive, wiped at its end.
 * They are kept by scope (scoped-secrets.ts): a run and each run it nests read only their own.
 */
import type { Pipeline } from '@caravan/spec';
import type { Engine } from '../engine.js';
import { allValues, scopeKey, type ScopedSecrets } from '../secret-store/scoped-secrets.js';
import type { RunRecord } from '../store/types.js';
import type { SecretBox } from './secret-box.js';
import type { ServerStore } from './server-store.js';

/** What a server before scopes sealed: one map for the whole tree, read by every scope. */
const ANY_SCOPE = '*';

function asScoped(opened: unknown): ScopedSecrets {
  const o = (opened ?? {}) as Record<string, unknown>;
  return Object.values(o).every((v) => typeof v === 'string')
    ? { [ANY_SCOPE]: o as Record<string, string> }
    : (o as ScopedSecrets);
}

export class RunSecrets {
  private readonly open = new Map<string, ScopedSecrets>();

  constructor(
    private readonly engine: Engine,
    private readonly server: ServerStore,
    private readonly box: SecretBox,
  ) {}

  /** The secrets of `pipeline` (the run's own, or one it nests) in the run `runId` at the top. */
  of(runId: string, pipeline: Pick<Pipeline, 'registered'>): Record<string, string> | undefined {
    const scoped = this.open.get(runId);
    return scoped && (scoped[scopeKey(pipeline)] ?? scoped[ANY_SCOPE] ?? {});
  }

  keep(runId: string, scoped: ScopedSecrets): void {
    const values = allValues(scoped);
    if (values.length === 0) return;
    this.server.putSecrets(runId, this.box.seal(scoped));
    this.open.set(runId, scoped);
    this.engine.addMaskedValues(values);
  }

  /** Opens what a run stored before a restart; says why when the run cannot have the secrets it needs. */
  loadFor(run: RunRecord): string | undefined {
    if (!this.open.has(run.id)) {
      const sealed = this.server.sealedSecrets(run.id);
      if (sealed) {
        try {
          const scoped = asScoped(this.box.open(sealed));
          this.open.set(run.id, scoped);
          this.engine.addMaskedValues(allValues(scoped));
        } catch (err) {
          return `${(err as Error).message}; rerun it with its secrets (POST /v1/runs/${run.id}/rerun with "secrets")`;
        }
      }
    }
    const missing = run.secretNames.filter((n) => !(n in (this.of(run.id, run.pipeline) ?? {})));
    if (missing.length === 0) return undefined;
    return `the run's secrets ${missing.join(', ')} are no longer kept by this server (its server.db lost them); rerun it with its secrets (POST /v1/runs/${run.id}/rerun with "secrets")`;
  }

  /** Sealed secrets whose run was never stored (a crash between the two writes). */
  async dropOrphans(exists: (runId: string) => Promise<boolean>): Promise<void> {
    for (const runId of this.server.sealedRunIds()) if (!(await exists(runId))) this.server.wipeSecrets(runId);
  }

  wipe(runId: string): void {
    this.server.wipeSecrets(runId);
    this.open.delete(runId);
  }
}
