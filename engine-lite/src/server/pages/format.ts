/** Small formatting shared by the run pages: times, durations, status badges. */
import { html, type Html } from '@caravan/registry';

export function when(ms: number | undefined): string {
  return ms === undefined ? '' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 100) / 10;
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function statusBadge(status: string, id?: string): Html {
  return html`<span class="st st-${status}" ${id ? html`id="${id}"` : ''} data-state>${status}</span>`;
}
