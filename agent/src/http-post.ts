import type { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { Readable } from 'node:stream';

/*
 * node:http rather than fetch or undici: fetch loads Node's internal undici on its first call,
 * which costs every agent start with a callback ~200 ms of parsing. http/https (and with them tls
 * and crypto) are loaded on the first request only, so a standalone run never pays for them.
 * Keep-alive agents: batches reuse one connection, and idle sockets do not hold the process open.
 */
const clients = new Map<string, { request: typeof httpRequest; agent: HttpAgent }>();

async function clientFor(protocol: 'http:' | 'https:') {
  let client = clients.get(protocol);
  if (!client) {
    const mod = protocol === 'https:' ? await import('node:https') : await import('node:http');
    client = { request: mod.request, agent: new mod.Agent({ keepAlive: true, maxSockets: 4 }) };
    clients.set(protocol, client);
  }
  return client;
}

/**
 * POSTs a body and resolves with the response status once the response has been read; rejects on network errors and
 * on `idleTimeoutMs` of silence.
 */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer | Readable,
  idleTimeoutMs: number,
): Promise<number> {
  const target = new URL(url);
  const { request: send, agent } = await clientFor(target.protocol === 'https:' ? 'https:' : 'http:');
  return new Promise((resolve, reject) => {
    const request = send(target, { method: 'POST', headers, agent, timeout: idleTimeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${target.host} in ${idleTimeoutMs} ms`)));
    request.on('error', reject);
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      // encoded here in one call: a string handed to the socket is encoded far slower (a MB of logs per batch)
      request.end(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    } else {
      body.on('error', (err) => request.destroy(err));
      body.pipe(request);
    }
  });
}
