/**
 * @caravan/engine: runs pipeline.yml as a DAG over executors. The one entry other parts (the CLI)
 * import: the engine, its store, executors, action sources and the helpers a host needs.
 */
export { Engine, EngineError } from './engine.js';
export type { EngineEvent } from './engine-deps.js';
export type { EngineStore, RunRecord } from './store/types.js';
export { openEngineStore } from './store/open.js';
export { SqliteEngineStore } from './store/sqlite.js';
export { redactUrl } from './store/postgres.js';
export {
  ActionResolveError,
  DefaultActionResolver,
  builtinActionsDir,
  type ResolverOptions,
} from './actions/resolver.js';
export { RegistryActionSource } from './actions/registry-source.js';
export { defaultExecutors } from './executors/defaults.js';
export { NoopExecutor } from './executors/noop.js';
export { ProcessExecutor } from './executors/process.js';
export { defaultAgentPath } from './executors/agent-path.js';
export { actionCommand } from './step-command.js';
export { caravanHome, enginePaths } from './paths.js';
export { ParamsError, resolveParams } from './params.js';
export { SecretsError, gatherSecrets, parseAssignment } from './secrets.js';
export { writeApproval } from './approvals.js';
export { cancelRun } from './cancel-run.js';
export { rerun } from './rerun.js';
export { serve, serverStorePath } from './server/serve.js';
export type { RunningServer, ServeOptions } from './server/serve.js';
export { ServerStore, ROLES } from './server/server-store.js';
export { createToken } from './server/tokens.js';
export { SecretStore, secretStorePath } from './secret-store/secret-store.js';
export type { StoredSecretInfo } from './secret-store/secret-store.js';
export { SecretKeyError, loadSecretKey, parseSecretKey } from './secret-store/secret-key.js';
export {
  localRunSecrets,
  missingSecrets,
  missingSecretsError,
  withStoredSecrets,
} from './secret-store/stored-secrets.js';
export { rotateSecretKey } from './secret-store/rotate-key.js';
