/**
 * Readers of the files an action writes its outputs to: `$CARAVAN_OUTPUT` with GitHub's
 * file-command semantics, and Erda's `$METAFILE` (`k=v` lines or `{"metadata":[{name,value}]}`).
 */
export interface ParsedPair {
  name: string;
  value: string;
  line: number;
}

export interface ParsedOutputs {
  pairs: ParsedPair[];
  /** At most one: parsing stops at the first error, pairs before it stay applied. */
  error?: string;
}

function splitLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `name=value` when `=` comes before `<<`, else `name<<DELIM` … `DELIM`. */
export function parseOutputsFile(text: string, file: string): ParsedOutputs {
  const lines = splitLines(text);
  const pairs: ParsedPair[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const at = `${file}:${i + 1}`;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (name === '')
        return { pairs, error: `${at}: the line "${line.slice(0, 40)}" has no name before "="; write name=value` };
      pairs.push({ name, value: line.slice(eq + 1), line: i + 1 });
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === '') return { pairs, error: `${at}: the heredoc has no name before "<<"; write name<<DELIMITER` };
      if (delimiter === '')
        return { pairs, error: `${at}: the heredoc for "${name}" has no delimiter after "<<"; write ${name}<<EOF` };
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]!);
      if (i >= lines.length) {
        return {
          pairs,
          error: `${at}: the heredoc for "${name}" is never closed: no line equal to "${delimiter}" follows (the delimiter must be alone on its line, and must not appear in the value)`,
        };
      }
      pairs.push({ name, value: body.join('\n'), line: start + 1 });
    } else {
      return { pairs, error: `${at}: expected name=value or name<<DELIMITER, got "${line.slice(0, 40)}"` };
    }
  }
  return { pairs };
}

/** Erda's metafile: JSON `{"metadata":[{"name","value"}]}` or `k=v` lines. */
export function parseMetafile(text: string, file: string): ParsedOutputs {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trimStart().startsWith('{')) return parseJsonMetafile(body, file);
  const pairs: ParsedPair[] = [];
  const lines = splitLines(body);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { pairs, error: `${file}:${i + 1}: expected key=value, got "${line.slice(0, 40)}"` };
    pairs.push({ name: line.slice(0, eq).trim(), value: line.slice(eq + 1), line: i + 1 });
  }
  return { pairs };
}

function parseJsonMetafile(body: string, file: string): ParsedOutputs {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return {
      pairs: [],
      error: `${file}: not valid JSON (${(err as Error).message}); write {"metadata":[{"name":"k","value":"v"}]} or k=v lines`,
    };
  }
  const metadata = (doc as { metadata?: unknown }).metadata;
  if (metadata === undefined) return { pairs: [] };
  if (!Array.isArray(metadata)) return { pairs: [], error: `${file}: "metadata" must be a list of {"name","value"}` };
  const pairs: ParsedPair[] = [];
  for (const [i, item] of metadata.entries()) {
    const { name, value } = (item ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string') return { pairs, error: `${file}: metadata[${i}].name must be a string` };
    pairs.push({ name, value: typeof value === 'string' ? value : JSON.stringify(value ?? ''), line: 0 });
  }
  return { pairs };
}
