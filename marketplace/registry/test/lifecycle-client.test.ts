import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { callRegistry, parseVersionRef } from '../src/lifecycle-client.js';

describe('lifecycle client', () => {
  it('parses NAME@VERSION and says how to write it otherwise', () => {
    expect(parseVersionRef('acme/lint@1.2.0')).toEqual({ name: 'acme/lint', version: '1.2.0' });
    expect(parseVersionRef('~alice/x@2.0.0-rc.1')).toEqual({ name: '~alice/x', version: '2.0.0-rc.1' });
    for (const bad of ['acme/lint', 'acme/lint@', '@1.0.0']) expect(() => parseVersionRef(bad)).toThrow(/NAME@VERSION/);
  });

  it('turns registry errors, non-JSON answers and unreachable servers into clear messages', async () => {
    const server = createServer((req, res) => {
      if (req.url?.includes('json')) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'forbidden', message: 'user "eve" cannot yank', hint: 'ask an owner' } }),
        );
      } else {
        res.writeHead(502);
        res.end('<html>bad gateway</html>');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(callRegistry({ url, token: 'cvn_x' }, 'POST', 'v1/json')).rejects.toThrow(
        'registry refused POST v1/json: user "eve" cannot yank (ask an owner)',
      );
      await expect(callRegistry({ url }, 'POST', 'v1/html')).rejects.toThrow(/HTTP 502/);
    } finally {
      server.close();
    }
    await expect(callRegistry({ url: 'http://127.0.0.1:9' }, 'GET', 'v1/whoami')).rejects.toThrow(
      /cannot reach the registry at http:\/\/127\.0\.0\.1:9/,
    );
  });
});
