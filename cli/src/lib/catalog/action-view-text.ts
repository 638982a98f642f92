/** `caravan action show` as text: header, runtime, inputs and outputs tables, versions, tags. */
import type { ActionView } from './action-view.js';
import { cut } from './search-lines.js';

/** Rows as aligned columns; the last column is cut to what is left of `width`. */
function table(header: string[], rows: string[][], width: number): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => {
    const head = r
      .slice(0, -1)
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ');
    const last = r[r.length - 1] ?? '';
    return `  ${head}  ${cut(last, Math.max(20, width - head.length - 4))}`.trimEnd();
  });
}

const yes = (b: boolean) => (b ? 'yes' : '-');
const day = (iso: string) => iso.slice(0, 10);

export function actionViewText(v: ActionView, width: number): string[] {
  const out = [`${v.name}@${v.version}${v.yanked ? '  YANKED' : ''}`];
  if (v.description) out.push(`  ${v.description}`);
  if (v.deprecated !== undefined) out.push(`  DEPRECATED: ${v.deprecated}`);
  out.push(
    '',
    `runtime      ${v.runtime}`,
    `category     ${v.category ?? '-'}`,
    `published    ${day(v.publishedAt)} by ${v.publisher}`,
    `integrity    ${v.integrity}`,
    `resolutions  ${v.resolutions30d} in the last 30 days`,
    `dist-tags    ${
      Object.entries(v.distTags)
        .map(([t, ver]) => `${t}: ${ver}`)
        .join(', ') || '-'
    }`,
    '',
    'inputs',
  );
  if (v.inputs.length === 0) out.push('  (none)');
  else
    out.push(
      ...table(
        ['NAME', 'TYPE', 'DEFAULT', 'REQUIRED', 'SECRET', 'ENUM', 'DESCRIPTION'],
        v.inputs.map((i) => [
          i.name,
          i.type,
          i.default ?? '-',
          yes(i.required),
          yes(i.secret),
          i.enum?.join('|') ?? '-',
          i.description,
        ]),
        width,
      ),
    );
  out.push('', 'outputs');
  if (v.outputs.length === 0) out.push('  (none)');
  else
    out.push(
      ...table(
        ['NAME', 'TYPE', 'DESCRIPTION'],
        v.outputs.map((o) => [o.name, o.type, o.description]),
        width,
      ),
    );
  out.push('', 'versions');
  out.push(
    ...table(
      ['VERSION', 'PUBLISHED', 'STATE'],
      [...v.versions]
        .reverse()
        .map((r) => [
          r.version,
          day(r.publishedAt),
          [r.yanked ? 'yanked' : '', r.deprecated !== undefined ? `deprecated: ${r.deprecated}` : '']
            .filter(Boolean)
            .join(', ') || '-',
        ]),
      width,
    ),
  );
  return out;
}
