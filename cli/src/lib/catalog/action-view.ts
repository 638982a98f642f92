/**
 * What `caravan action show` prints, the same as the action page shows: built from the registry's
 * version detail, version list and stats. `--json` prints this object.
 */
import type { ActionInput, ActionOutput } from '@caravan/spec';
import type { ActionStats, VersionDetail, VersionList } from '@caravan/registry';

export interface InputRow {
  name: string;
  type: string;
  default?: string;
  required: boolean;
  secret: boolean;
  enum?: string[];
  description: string;
}

export interface OutputRow {
  name: string;
  type: string;
  description: string;
}

export interface ActionView {
  name: string;
  version: string;
  description: string;
  category?: string;
  deprecated?: string;
  yanked: boolean;
  /** `command: …`, `node: …` or `image: …` (with its command, when it has one). */
  runtime: string;
  inputs: InputRow[];
  outputs: OutputRow[];
  versions: { version: string; publishedAt: string; deprecated?: string; yanked: boolean }[];
  distTags: Record<string, string>;
  integrity: string;
  publisher: string;
  publishedAt: string;
  resolutions30d: number;
  readme?: string;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function runtimeOf(runs: Record<string, unknown>): string {
  const args = Array.isArray(runs['args']) ? ` ${runs['args'].map(String).join(' ')}` : '';
  if (typeof runs['image'] === 'string')
    return `image: ${runs['image']}${typeof runs['command'] === 'string' ? ` (command: ${runs['command']}${args})` : ''}`;
  if (typeof runs['node'] === 'string') return `node: ${runs['node']}${args}`;
  if (typeof runs['command'] === 'string') return `command: ${runs['command']}${args}`;
  return 'unknown';
}

function inputRow(name: string, raw: unknown): InputRow {
  const i = record(raw) as Partial<ActionInput>;
  const row: InputRow = {
    name,
    type: String(i.type ?? 'string'),
    required: i.required === true,
    secret: i.secret === true,
    description: typeof i.description === 'string' ? i.description : '',
  };
  // A secret's default is never shown.
  if (i.default !== undefined && !row.secret) row.default = JSON.stringify(i.default);
  if (Array.isArray(i.enum)) row.enum = i.enum.map(String);
  return row;
}

export function actionView(detail: VersionDetail, list: VersionList, stats: ActionStats): ActionView {
  const spec = record(detail.spec);
  const outputs = Object.entries(record(spec['outputs'])).map(([name, raw]): OutputRow => {
    const o = record(raw) as Partial<ActionOutput>;
    return {
      name,
      type: String(o.type ?? 'string'),
      description: typeof o.description === 'string' ? o.description : '',
    };
  });
  const view: ActionView = {
    name: detail.name,
    version: detail.version,
    description: typeof spec['description'] === 'string' ? spec['description'] : '',
    yanked: detail.yanked,
    runtime: runtimeOf(record(spec['runs'])),
    inputs: Object.entries(record(spec['inputs'])).map(([name, raw]) => inputRow(name, raw)),
    outputs,
    versions: list.versions.map((v) => ({
      version: v.version,
      publishedAt: v.publishedAt,
      yanked: v.yanked,
      ...(v.deprecated !== undefined ? { deprecated: v.deprecated } : {}),
    })),
    distTags: list.distTags,
    integrity: detail.integrity,
    publisher: detail.publisher,
    publishedAt: detail.publishedAt,
    resolutions30d: stats.resolutions,
  };
  if (typeof spec['category'] === 'string') view.category = spec['category'];
  if (detail.deprecated !== undefined) view.deprecated = detail.deprecated;
  if (detail.readme !== undefined) view.readme = detail.readme;
  return view;
}
