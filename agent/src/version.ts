export const AGENT_VERSION = '0.1.0';

/**
 * The version of the contract between the engine and the agent (context file, report, callback
 * API, spool). Raised on every change an older agent would not understand: an engine refuses an
 * image whose embedded agent speaks an older protocol.
 */
export const AGENT_PROTOCOL = 1;

/**
 * The file beside the agent's executable in its portable folder (`/caravan/agent.json` in an
 * image) that says which agent it is, so an engine can check an embedded agent without running it.
 */
export const AGENT_MANIFEST_FILE = 'agent.json';

export interface AgentManifest {
  name: 'caravan-agent';
  version: string;
  protocol: number;
}

export function agentManifest(): AgentManifest {
  return { name: 'caravan-agent', version: AGENT_VERSION, protocol: AGENT_PROTOCOL };
}
