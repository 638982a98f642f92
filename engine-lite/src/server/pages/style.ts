/**
 * The run pages' stylesheet: the marketplace storefront's (shared from @caravan/registry) plus the
 * run parts: status badges, the DAG, logs and their ANSI colours (contrast checked in light and dark).
 */
import { STOREFRONT_STYLESHEET } from '@caravan/registry';

const RUN_STYLES = `
:root {
  --ok: #116329; --bad: #a40e26; --run: #0550ae; --wait: #6e5600; --off: #57606a;
  --ok-bg: #dafbe1; --bad-bg2: #ffebe9; --run-bg: #ddf4ff; --wait-bg: #fff8c5; --off-bg: #eaeef2;
  --a0: #24292f; --a1: #b62324; --a2: #116329; --a3: #6e5600; --a4: #0550ae; --a5: #8250df; --a6: #1b6f7a; --a7: #57606a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --ok: #7ee787; --bad: #ffa198; --run: #79c0ff; --wait: #e3b341; --off: #a5b0bb;
    --ok-bg: #0f2d1a; --bad-bg2: #3d1418; --run-bg: #0c2d4a; --wait-bg: #342a00; --off-bg: #21262d;
    --a0: #b1bac4; --a1: #ff7b72; --a2: #7ee787; --a3: #e3b341; --a4: #79c0ff; --a5: #d2a8ff; --a6: #76e3ea; --a7: #c9d1d9;
  }
}
nav.main ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
.st { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .85rem; border: 1px solid currentColor; }
.st-success { color: var(--ok); background: var(--ok-bg); }
.st-failed, .st-error, .st-timeout, .st-lost { color: var(--bad); background: var(--bad-bg2); }
.st-running { color: var(--run); background: var(--run-bg); }
.st-queued { color: var(--wait); background: var(--wait-bg); }
.st-cancelled, .st-skipped { color: var(--off); background: var(--off-bg); }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
form.filters label { display: flex; flex-direction: column; font-weight: 600; font-size: .9rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; }
button.danger { background: var(--bad-bg2); color: var(--bad); border-color: var(--bad); }
.dag-wrap { overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); max-height: 32rem; }
svg.dag .edge { fill: none; stroke: var(--muted); stroke-width: 1.5; }
svg.dag .arrowhead { fill: var(--muted); }
svg.dag .node rect { fill: var(--bg); stroke: currentColor; stroke-width: 2; }
svg.dag .node { background: none; }
svg.dag .node text { fill: var(--fg); font-size: 13px; }
svg.dag .node text.state { fill: currentColor; font-size: 12px; }
section.step { border-top: 1px solid var(--line); padding: .5rem 0; }
section.step h3 { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; font-size: 1.05rem; margin: .5rem 0; }
pre.log { max-height: 28rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; color: var(--fg); }
pre.log .err { color: var(--a1); }
.a-b { font-weight: 700; } .a-d { opacity: .8; } .a-i { font-style: italic; } .a-u { text-decoration: underline; }
.a-bg0, .a-bg8 { background: var(--a0); color: var(--bg); } .a-bg1, .a-bg9 { background: var(--a1); color: var(--bg); }
.a-bg2, .a-bg10 { background: var(--a2); color: var(--bg); } .a-bg3, .a-bg11 { background: var(--a3); color: var(--bg); }
.a-bg4, .a-bg12 { background: var(--a4); color: var(--bg); } .a-bg5, .a-bg13 { background: var(--a5); color: var(--bg); }
.a-bg6, .a-bg14 { background: var(--a6); color: var(--bg); } .a-bg7, .a-bg15 { background: var(--a7); color: var(--bg); }
.a-fg0, .a-fg8 { color: var(--a0); } .a-fg1, .a-fg9 { color: var(--a1); } .a-fg2, .a-fg10 { color: var(--a2); }
.a-fg3, .a-fg11 { color: var(--a3); } .a-fg4, .a-fg12 { color: var(--a4); } .a-fg5, .a-fg13 { color: var(--a5); }
.a-fg6, .a-fg14 { color: var(--a6); } .a-fg7, .a-fg15 { color: var(--a7); }
`;

export const RUN_PAGES_STYLESHEET = STOREFRONT_STYLESHEET + RUN_STYLES;
