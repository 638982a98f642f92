/** The storefront's one stylesheet (served from /-/static/, never inline: the CSP allows only 'self'). */
export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --link: #0645ad; --accent: #0b5cad; --accent-fg: #ffffff; --focus: #b35900;
  --warn-bg: #fff4ce; --warn-fg: #5c3d00; --bad-bg: #ffe3e3; --bad-fg: #8a1111; --code-bg: #eef1f4;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #a5b0bb; --line: #3d444d; --panel: #161b22;
    --link: #79b8ff; --accent: #2f81f7; --accent-fg: #0d1117; --focus: #ffb454;
    --warn-bg: #3b2e00; --warn-fg: #ffe08a; --bad-bg: #4a1014; --bad-fg: #ffc1c1; --code-bg: #1f2630;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.skip { position: absolute; left: -10000px; top: 0; background: var(--bg); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
header.site { border-bottom: 1px solid var(--line); background: var(--panel); }
header.site .bar, main, footer.site { max-width: 72rem; margin: 0 auto; padding: .75rem 1rem; }
header.site .bar { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; justify-content: space-between; }
.brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--fg); }
header.site form { display: flex; gap: .5rem; flex: 1 1 16rem; max-width: 32rem; }
header.site nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; align-items: center; }
input[type=search], input[type=password], input[type=text], select {
  font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--muted); border-radius: 6px;
  padding: .4rem .6rem; min-width: 0;
}
input[type=search] { flex: 1 1 auto; }
button {
  font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--accent); padding: .4rem .9rem;
  background: var(--accent); color: var(--accent-fg);
}
button.quiet { background: transparent; color: var(--link); border-color: var(--line); }
footer.site { color: var(--muted); border-top: 1px solid var(--line); margin-top: 2rem; font-size: .9rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin-top: 1.75rem; }
.muted { color: var(--muted); }
.grid { display: grid; gap: 1.5rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
ul.hits { list-style: none; padding: 0; margin: 0; }
ul.hits li { border-bottom: 1px solid var(--line); padding: .75rem 0; }
ul.hits .name { font-weight: 600; overflow-wrap: anywhere; }
ul.hits p { margin: .25rem 0; }
.meta { display: flex; flex-wrap: wrap; gap: .25rem .75rem; color: var(--muted); font-size: .9rem; }
.badge { display: inline-block; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; font-size: .8rem; color: var(--fg); background: var(--panel); }
.badge.deprecated, .badge.yanked { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-fg); }
ul.categories { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
ul.categories a { display: inline-block; padding: .2rem .7rem; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; }
.notice { padding: .75rem 1rem; border-radius: 6px; background: var(--warn-bg); color: var(--warn-fg); margin: 1rem 0; }
.notice.error { background: var(--bad-bg); color: var(--bad-fg); }
.layout-action { display: grid; gap: 2rem; grid-template-columns: minmax(0, 1fr) 20rem; }
@media (max-width: 60rem) { .layout-action { grid-template-columns: minmax(0, 1fr); } }
aside dl { margin: 0; }
aside dt { font-weight: 600; margin-top: .75rem; }
aside dd { margin: 0; overflow-wrap: anywhere; }
.snippet { position: relative; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem; }
pre { background: var(--code-bg); padding: .75rem; border-radius: 6px; overflow-x: auto; }
code { background: var(--code-bg); padding: 0 .2rem; border-radius: 3px; }
pre code { background: none; padding: 0; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
.readme { overflow-wrap: anywhere; }
.readme img { max-width: 100%; }
.readme table { display: block; overflow-x: auto; }
.pager { display: flex; gap: 1rem; align-items: center; margin-top: 1rem; }
form.inline { display: inline-flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
label.block { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
.status { min-height: 1.5em; }
`;
