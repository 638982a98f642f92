/** What `caravan action init` needs to know, and the checks on it. */
export type Runtime = 'node' | 'shell' | 'image';
export const RUNTIMES: readonly Runtime[] = ['node', 'shell', 'image'];
/** What an image action is written in: a POSIX sh script (busybox base) or JavaScript (node base). */
export type Language = 'sh' | 'node';
export const LANGUAGES: readonly Language[] = ['sh', 'node'];

export interface ScaffoldOptions {
  /** `scope/name`, `org/project/name` or `~user/name`. */
  name: string;
  description: string;
  runtime: Runtime;
  /** For the image runtime; default sh. */
  language?: Language;
  /** Folder to create; must be absent or empty. */
  dir: string;
}

const NAME =
  /^(~[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*|[a-z0-9][a-z0-9-]*\/([a-z0-9][a-z0-9-]*\/)?[a-z0-9][a-z0-9-]*)$/;

/** Undefined when `name` is a valid action name, else what is wrong and how to fix it. */
export function checkActionName(name: string): string | undefined {
  if (name.startsWith('caravan/'))
    return 'the scope "caravan" is reserved for the built-in actions: use your own scope';
  if (NAME.test(name)) return undefined;
  if (!name.includes('/'))
    return `"${name}" has no scope: name the action scope/name, e.g. acme/${name.toLowerCase() || 'greet'} (or ~you/${name.toLowerCase() || 'greet'} for a personal one)`;
  return `"${name}" is not a valid action name: use scope/name, org/project/name or ~user/name in lowercase letters, digits and "-"`;
}

/** The last part of the name: the default folder and the usage example's step id. */
export function shortName(name: string): string {
  return name.split('/').at(-1) ?? name;
}
