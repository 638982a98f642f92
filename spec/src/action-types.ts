/** Types of `action.yml`, the manifest of one action. See spec/schemas/action.schema.json. */

export type InputType = 'string' | 'number' | 'boolean' | 'string[]' | 'object';
export type OutputType = 'string' | 'number' | 'boolean' | 'json';

export interface ActionInput {
  type: InputType;
  description?: string;
  required?: boolean;
  default?: unknown;
  /** The value is a secret: handed to the agent for masking, never stored in clear. */
  secret?: boolean;
  enum?: Array<string | number>;
  deprecationMessage?: string;
}

export interface ActionOutput {
  type: OutputType;
  description?: string;
}

/** How the action runs: a process, a container image, or a Node script (path relative to the action folder). */
export type ActionRuns =
  | { command: string; args?: string[] }
  | { image: string; command?: string; args?: string[] }
  | { node: string; args?: string[] };

export interface ActionFile {
  name: string;
  /** Path relative to the step's workspace. */
  path: string;
  direction: 'in' | 'out';
  description?: string;
}

export interface CacheDecl {
  key: string;
  path: string;
}

export interface ActionSpec {
  /** `scope/name`, `org/project/name` or `~user/name`. */
  name: string;
  /** Exact semver version. */
  version: string;
  description: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, ActionOutput>;
  /** It also sets outputs not listed in `outputs`, named by its inputs (an `extract` mapping). */
  dynamicOutputs?: boolean;
  runs: ActionRuns;
  files: ActionFile[];
  caches: CacheDecl[];
  /** Seconds. */
  timeout?: number;
  category?: string;
  branding?: { icon?: string; color?: string };
}
