/**
 * The run's DAG as SVG, laid out on the server by dagre (the page needs no layout library). Each
 * node carries its step id and status class; the page's script changes the class as steps move.
 * A pipeline never changes within a run, so a layout is kept per run (bounded).
 */
import { Graph, layout } from '@dagrejs/dagre';
import { html, type Html } from '@caravan/registry';

export interface DagStep {
  id: string;
  needs: readonly string[];
}

interface Placed {
  width: number;
  height: number;
  nodes: Array<{ id: string; x: number; y: number }>;
  edges: Array<{ from: string; to: string; points: Array<{ x: number; y: number }> }>;
}

const NODE_W = 168;
const NODE_H = 40;
/** Names longer than this are cut in the drawing (the step list below shows them whole). */
const LABEL_CHARS = 20;

function place(steps: readonly DagStep[]): Placed {
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(steps.map((s) => s.id));
  for (const s of steps) g.setNode(s.id, { width: NODE_W, height: NODE_H });
  for (const s of steps) for (const n of s.needs) if (ids.has(n)) g.setEdge(n, s.id);
  layout(g);
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? NODE_W),
    height: Math.ceil(graph.height ?? NODE_H),
    nodes: g.nodes().map((id: string) => {
      const n = g.node(id);
      return { id, x: n.x, y: n.y };
    }),
    edges: g.edges().map((e: { v: string; w: string }) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] })),
  };
}

const layouts = new Map<string, Placed>();
const KEPT = 100;

function placedFor(runId: string, steps: readonly DagStep[]): Placed {
  const hit = layouts.get(runId);
  if (hit) return hit;
  const placed = place(steps);
  if (layouts.size >= KEPT) layouts.delete(layouts.keys().next().value as string);
  layouts.set(runId, placed);
  return placed;
}

function label(id: string): string {
  return id.length > LABEL_CHARS ? `${id.slice(0, LABEL_CHARS - 1)}…` : id;
}

export function dagSvg(runId: string, steps: readonly DagStep[], statusOf: (id: string) => string): Html {
  const p = placedFor(runId, steps);
  const edges = p.edges.map((e) => {
    const d = e.points.map((pt, i) => `${i === 0 ? 'M' : 'L'}${pt.x.toFixed(1)},${pt.y.toFixed(1)}`).join(' ');
    return html`<path class="edge" d="${d}" marker-end="url(#arrow)" />`;
  });
  const nodes = p.nodes.map((n) => {
    const status = statusOf(n.id);
    return html`<g
      class="node st-${status}"
      data-step="${n.id}"
      transform="translate(${(n.x - NODE_W / 2).toFixed(1)},${(n.y - NODE_H / 2).toFixed(1)})"
    >
      <title>${n.id}: ${status}</title>
      <rect width="${NODE_W}" height="${NODE_H}" rx="6" />
      <text x="10" y="17" class="name">${label(n.id)}</text>
      <text x="10" y="32" class="state" data-state>${status}</text>
    </g>`;
  });
  return html`<svg
    class="dag"
    role="img"
    aria-labelledby="dag-title"
    viewBox="0 0 ${p.width} ${p.height}"
    width="${p.width}"
    height="${p.height}"
  >
    <title id="dag-title">The run's steps and what each needs (the step list below says the same)</title>
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
        <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
      </marker>
    </defs>
    ${edges} ${nodes}
  </svg>`;
}
