/**
 * Parses one stdout line as a workflow command, GitHub's form `::name k=v,k=v::data`, or Erda's
 * `action meta: k=v`.
 */
export interface WorkflowCommand {
  name: string;
  props: Record<string, string>;
  /** The data after the second `::`, still escaped (unescape per command). */
  data: string;
}

const ESCAPES: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n', '%3A': ':', '%2C': ',' };

/** Undoes `%25 %0D %0A %3A %2C` in one pass (so `%250A` stays `%0A`). */
export function unescapeAll(text: string): string {
  return text.replace(/%(?:25|0D|0A|3A|2C)/gi, (m) => ESCAPES[m.toUpperCase()] ?? m);
}

/** Undoes the escapes GitHub defines for command data: `%25 %0D %0A`. */
export function unescapeData(text: string): string {
  return text.replace(/%(?:25|0D|0A)/gi, (m) => ESCAPES[m.toUpperCase()] ?? m);
}

export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const close = text.indexOf('::', 2);
  if (close < 0) return undefined;
  const head = text.slice(2, close);
  const space = head.indexOf(' ');
  const name = space < 0 ? head : head.slice(0, space);
  if (!/^[A-Za-z][\w-]*$/.test(name)) return undefined;
  const props: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      props[pair.slice(0, eq).trim()] = unescapeAll(pair.slice(eq + 1));
    }
  }
  return { name: name.toLowerCase(), props, data: text.slice(close + 2) };
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

/** Whether a line's start looks like a command, for lines too long to parse. */
export function looksLikeCommand(start: string): string | undefined {
  const text = start.trimStart();
  if (text.startsWith(ERDA_META)) return 'action meta';
  const m = /^::([A-Za-z][\w-]*)/.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}
