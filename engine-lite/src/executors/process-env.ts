/** What a step's agent inherits from the engine, and how its process group is signalled. */
/** Variables of the engine that a step must never inherit. */
const PRIVATE_ENV =
  /^(CARAVAN_SECRET_|CARAVAN_DATABASE_URL$|CARAVAN_WEBHOOK_SECRET$|CARAVAN_REGISTRY_TOKEN$|CARAVAN_TOKEN$)/;

export function stepBaseEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !PRIVATE_ENV.test(k)));
}

/** Signals a process group, or the process alone when it leads none. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
