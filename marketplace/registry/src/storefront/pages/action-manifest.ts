/** The parts of an action page read from its stored action.yml: inputs, outputs, runtime, `uses:` snippet. */
import semver from 'semver';
import type { ActionInput, ActionOutput, ActionRuns, ActionSpec } from '@caravan/spec';
import { html, type Html } from '../../page-shell/html.js';
import { clip } from '../parts.js';

/** Rows shown per table, and characters per description: an action.yml cannot make a page large. */
export const ROWS_SHOWN = 30;
const DESCRIPTION = 160;

/** The stored manifest as the page reads it: anything missing or odd shows as absent, never as a crash. */
export function manifestOf(spec: unknown): Partial<ActionSpec> {
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as Partial<ActionSpec>) : {};
}

function record<T>(value: unknown): [string, T][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (Object.entries(value) as [string, T][])
    : [];
}

function shown(value: unknown): string {
  return clip(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''), 200);
}

function more(total: number, what: string): Html | string {
  return total > ROWS_SHOWN
    ? html`<p class="muted">${total - ROWS_SHOWN} more ${what} are in the action's action.yml.</p>`
    : '';
}

const yes = (b: boolean | undefined) => (b ? 'yes' : 'no');

export function inputsTable(spec: Partial<ActionSpec>): Html {
  const inputs = record<ActionInput>(spec.inputs);
  if (inputs.length === 0) return html`<p class="muted">This action takes no inputs.</p>`;
  return html`<div class="table-wrap">
      <table>
        <caption class="sr-only">
          Inputs
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Default</th>
            <th scope="col">Secret</th>
            <th scope="col">Allowed values</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          ${inputs.slice(0, ROWS_SHOWN).map(
            ([name, i]) =>
              html`<tr>
                <th scope="row"><code>${clip(name, 100)}</code></th>
                <td>${shown(i.type ?? 'string')}</td>
                <td>${yes(i.required)}</td>
                <td>${i.default === undefined ? '' : html`<code>${shown(i.default)}</code>`}</td>
                <td>${yes(i.secret)}</td>
                <td>
                  ${Array.isArray(i.enum) ? i.enum.map((v, n) => html`${n ? ', ' : ''}<code>${shown(v)}</code>`) : ''}
                </td>
                <td>
                  ${clip(String(i.description ?? ''), DESCRIPTION)}${i.deprecationMessage ? html` <span class="badge deprecated">deprecated</span> ${clip(String(i.deprecationMessage), DESCRIPTION)}` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${more(inputs.length, 'inputs')}`;
}

export function outputsTable(spec: Partial<ActionSpec>): Html {
  const outputs = record<ActionOutput>(spec.outputs);
  const dynamic = spec.dynamicOutputs ? html`<p>It also sets outputs named by its inputs.</p>` : '';
  if (outputs.length === 0)
    return html`<p class="muted">This action declares no outputs.</p>
      ${dynamic}`;
  return html`<div class="table-wrap">
      <table>
        <caption class="sr-only">
          Outputs
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          ${outputs.slice(0, ROWS_SHOWN).map(
            ([name, o]) =>
              html`<tr>
                <th scope="row"><code>${clip(name, 100)}</code></th>
                <td>${shown(o.type ?? 'string')}</td>
                <td>${clip(String(o.description ?? ''), DESCRIPTION)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${more(outputs.length, 'outputs')} ${dynamic}`;
}

export function runtimeOf(spec: Partial<ActionSpec>): Html {
  const runs = (spec.runs ?? {}) as Partial<ActionRuns> & {
    command?: string;
    image?: string;
    node?: string;
    args?: unknown;
  };
  const args = Array.isArray(runs.args) ? ` ${runs.args.map(shown).join(' ')}` : '';
  const parts: Html[] = [];
  if (runs.image) parts.push(html`<div>image <code>${runs.image}</code></div>`);
  if (runs.node) parts.push(html`<div>node <code>${runs.node}${args}</code></div>`);
  if (runs.command) parts.push(html`<div>command <code>${runs.command}${args}</code></div>`);
  if (spec.timeout !== undefined) parts.push(html`<div>timeout ${shown(spec.timeout)} s</div>`);
  return parts.length ? html`${parts}` : html`<span class="muted">not given</span>`;
}

function placeholder(name: string, input: ActionInput): string {
  if (input.secret) return `\${{ secrets.${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')} }}`;
  if (Array.isArray(input.enum) && input.enum[0] !== undefined) return String(input.enum[0]);
  return `<${name}>`;
}

/** A step using this action: a caret range on the latest page, the exact version on a version's page. */
export function usesSnippet(name: string, version: string, exact: boolean, spec: Partial<ActionSpec>): string {
  const pin = exact || semver.prerelease(version) ? version : `^${semver.major(version)}`;
  const lines = [`- uses: ${name}@${pin}`];
  const required = record<ActionInput>(spec.inputs).filter(([, i]) => i.required && i.default === undefined);
  if (required.length > 0) {
    lines.push('  with:');
    for (const [key, input] of required) lines.push(`    ${key}: ${placeholder(key, input)}`);
  }
  return lines.join('\n');
}
