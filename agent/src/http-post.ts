import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/*
 * node:http rather than fetch or undici: fetch loads Node's internal undici on its first call,
 * which costs every agent start with a callback ~200 ms of parsing; node:http is already loaded.
 * Keep-alive agents: batches reuse one connection, and idle sockets do not hold the process open.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 4 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 4 }),
};

/** POSTs a body and resolves with the response status once the response has been read; rejects on network errors and on `idleTimeoutMs` of silence. */
export function post(url: string, headers: Record<string, string>, body: string | Readable, idleTimeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    const request = (protocol === 'https:' ? https : http).request(
      target,
      { method: 'POST', headers, agent: agents[protocol], timeout: idleTimeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${target.host} in ${idleTimeoutMs} ms`)));
    request.on('error', reject);
    if (typeof body === 'string') {
      request.end(body);
    } else {
      body.on('error', (err) => request.destroy(err));
      body.pipe(request);
    }
  });
}
