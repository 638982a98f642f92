/**
 * The secrets of the service's runs: sealed in the server store while the run can use them, open
 * in memory while it is driven, masked by the engine from the moment they arrive, wiped at its end.
 */
import type { Engine } from '../engine.js';
import type { RunRecord } from '../store/types.js';
import type { SecretBox } from './secret-box.js';
import type { ServerStore } from './server-store.js';

export class RunSecrets {
  private readonly open = new Map<string, Record<string, string>>();

  constructor(
    private readonly engine: Engine,
    private readonly server: ServerStore,
    private readonly box: SecretBox,
  ) {}

  of(runId: string): Record<string, string> | undefined {
    return this.open.get(runId);
  }

  keep(runId: string, secrets: Record<string, string>): void {
    if (Object.keys(secrets).length === 0) return;
    this.server.putSecrets(runId, this.box.seal(secrets));
    this.open.set(runId, secrets);
    this.engine.addMaskedValues(Object.values(secrets));
  }

  /** Opens what a run stored before a restart; says why when the run cannot have the secrets it needs. */
  loadFor(run: RunRecord): string | undefined {
    if (!this.open.has(run.id)) {
      const sealed = this.server.sealedSecrets(run.id);
      if (sealed) {
        try {
          const secrets = this.box.open(sealed);
          this.open.set(run.id, secrets);
          this.engine.addMaskedValues(Object.values(secrets));
        } catch (err) {
          return `${(err as Error).message}; rerun it with its secrets (POST /v1/runs/${run.id}/rerun with "secrets")`;
        }
      }
    }
    const missing = run.secretNames.filter((n) => !(n in (this.open.get(run.id) ?? {})));
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
