/**
 * The secrets of the service's runs: sealed in the server store while the run can use them, open
 * in memory while it is driven, masked by the engine from the moment they arrive, wiped at its end.
 */
import type { Engine } from '../engine.js';
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

  /** Opens what a run stored before a restart. */
  load(runId: string): void {
    const sealed = this.server.sealedSecrets(runId);
    if (!sealed || this.open.has(runId)) return;
    const secrets = this.box.open(sealed);
    this.open.set(runId, secrets);
    this.engine.addMaskedValues(Object.values(secrets));
  }

  wipe(runId: string): void {
    this.server.wipeSecrets(runId);
    this.open.delete(runId);
  }
}
