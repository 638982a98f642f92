/**
 * Parses one line as a workflow command with the rules of GitHub's runner (ActionCommand.cs):
 * `::name k=v,k=v::data` after leading whitespace, or the legacy `##[name k=v;k=v]data` anywhere
 * in the line; or as Erda's `action meta: k=v`.
 */
export interface WorkflowCommand {
  /** Lower case. */
  name: string;
  /** By lower-case key (the runner compares keys without case); values unescaped. */
  props: Record<string, string>;
  /** Unescaped. */
  data: string;
  /** As written. */
  rawData: string;
}

/** The commands the runner registers; any other `::name::` line is ordinary output. */
export const REGISTERED_COMMANDS: ReadonlySet<string> = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
]);

const PROPERTY_ESCAPES: Record<string, string> = { '%0D': '\r', '%0A': '\n', '%3A': ':', '%2C': ',', '%25': '%' };
const LEGACY_ESCAPES: Record<string, string> = { '%3B': ';', '%0D': '\r', '%0A': '\n', '%5D': ']', '%25': '%' };

/**
 * Command data: `%0D %0A %25`, upper case only (the runner's replacements are ordinal). One pass
 * does what the runner's replacements in turn do, `%25` last: `%250A` stays `%0A`.
 */
export function unescapeData(text: string): string {
  return text.includes('%') ? text.replace(/%(?:0D|0A|25)/g, (m) => PROPERTY_ESCAPES[m]!) : text;
}

/** Property values: `%0D %0A %3A %2C %25`, upper case only. */
export function unescapeProperty(text: string): string {
  return text.includes('%') ? text.replace(/%(?:0D|0A|3A|2C|25)/g, (m) => PROPERTY_ESCAPES[m]!) : text;
}

/** The legacy `##[` form, properties and data alike: `%3B %0D %0A %5D %25`, upper case only. */
export function unescapeLegacy(text: string): string {
  return text.includes('%') ? text.replace(/%(?:3B|0D|0A|5D|25)/g, (m) => LEGACY_ESCAPES[m]!) : text;
}

/**
 * One `key=value` of a property list, split as .NET's `Split('=', 2, RemoveEmptyEntries)` splits
 * it for the runner: empty pieces are skipped (so `=` signs before the key and right after the
 * first `=` do not count), and a pair that does not give two pieces is dropped.
 */
function addProperty(props: Record<string, string>, pair: string, unescape: (text: string) => string): void {
  let from = 0;
  while (pair.charCodeAt(from) === 0x3d) from++;
  const eq = pair.indexOf('=', from);
  if (eq < 0) return;
  let start = eq + 1;
  while (pair.charCodeAt(start) === 0x3d) start++;
  if (start === pair.length) return;
  props[pair.slice(from, eq).toLowerCase()] = unescape(pair.slice(start));
}

/**
 * `::name k=v,k=v::data` (after leading whitespace), for a registered name or `extra` (the
 * `stop-commands` token while commands are stopped), compared without case.
 */
export function parseCommand(line: string, extra?: string): WorkflowCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = text.slice(2, end);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!isRegistered(name, extra)) return undefined;
  const props: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .trim()
      .split(','))
      if (pair !== '') addProperty(props, pair, unescapeProperty);
  }
  const rawData = text.slice(end + 2);
  return { name, props, data: unescapeData(rawData), rawData };
}

/** The legacy `##[name k=v;k=v]data`, found anywhere in the line. */
export function parseLegacyCommand(line: string, extra?: string): WorkflowCommand | undefined {
  const at = line.indexOf('##[');
  if (at < 0) return undefined;
  const close = line.indexOf(']', at);
  if (close < 0) return undefined;
  const info = line.slice(at + 3, close);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!isRegistered(name, extra)) return undefined;
  const props: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info.slice(space + 1).split(';')) if (pair !== '') addProperty(props, pair, unescapeLegacy);
  }
  const rawData = line.slice(close + 1);
  return { name, props, data: unescapeLegacy(rawData), rawData };
}

/** Either form, the `::` one first (as the runner tries them). */
export function parseAnyCommand(line: string, extra?: string): WorkflowCommand | undefined {
  return parseCommand(line, extra) ?? parseLegacyCommand(line, extra);
}

function isRegistered(name: string, extra: string | undefined): boolean {
  return REGISTERED_COMMANDS.has(name) || (extra !== undefined && name === extra.toLowerCase());
}

const ERDA_META = 'action meta: ';

/** Erda's `action meta: key=value` line, or undefined. */
export function parseErdaMeta(line: string): { name: string; value: string } | undefined {
  if (!line.startsWith(ERDA_META)) return undefined;
  const rest = line.slice(ERDA_META.length);
  const eq = rest.indexOf('=');
  if (eq < 0) return undefined;
  return { name: rest.slice(0, eq).trim(), value: rest.slice(eq + 1) };
}

/** Whether a line's start looks like a command (either form), for lines too long to parse. */
export function looksLikeCommand(start: string): string | undefined {
  const text = start.trimStart();
  if (text.startsWith(ERDA_META)) return 'action meta';
  const m = /^::([A-Za-z][\w-]*)/.exec(text) ?? /##\[([A-Za-z][\w-]*)/.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}
