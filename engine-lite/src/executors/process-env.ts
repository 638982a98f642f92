/** Variables of the engine that a step's agent must never inherit. */
const PRIVATE_ENV =
  /^(CARAVAN_SECRET_|CARAVAN_DATABASE_URL$|CARAVAN_WEBHOOK_SECRET$|CARAVAN_REGISTRY_TOKEN$|CARAVAN_TOKEN$)/;

export function stepBaseEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !PRIVATE_ENV.test(k)));
}
