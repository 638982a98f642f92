/**
 * The error contract of the registry's HTTP API, route by route, over raw sockets: every way each
 * route can fail answers the documented status with `{"error":{"code","message","hint"}}`,
 * content-type application/json, no stack and no token. The table is also compared with
 * spec/openapi/registry.yaml (every status an operation answers is listed there, with the shared
 * Error response) and with the codes in docs/registry.md, so the three cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openBlobs, openStore } from '../src/open.js';
import { Registry } from '../src/registry.js';
import { startRegistry } from '../src/serve.js';
import { createServer } from '../src/server/app.js';
import {
  actionTarball,
  actionYml,
  buildTarball,
  cleanup,
  publish,
  startTestRegistry,
  storeFactories,
  tempDir,
  type TestRegistry,
} from './helpers.js';

const sqlite = storeFactories[0];
if (!sqlite) throw new Error('no SQLite factory');

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const OPENAPI = parse(readFileSync(join(ROOT, 'spec', 'openapi', 'registry.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>>;
  components: { schemas: { Error: { properties: { error: { required: string[] } } } } };
};
const DOCS = readFileSync(join(ROOT, 'docs', 'registry.md'), 'utf8');

// ---------------------------------------------------------------- a raw HTTP/1.1 client

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether an interim `100 Continue` came before the answer. */
  continued: boolean;
}

/** One connection; requests are written as given (nothing is normalised) and answers parsed by Content-Length. */
class RawConnection {
  private buf = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    const end = () => {
      this.closed = true;
      this.wake?.();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  private async more(): Promise<boolean> {
    if (this.closed) return false;
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    return true;
  }

  /** Writes `head` (and `body`, at once or after `100 Continue` when `awaitContinue`) and reads one answer. */
  async send(
    head: string,
    body?: Buffer,
    opts: { awaitContinue?: boolean; head?: boolean } = {},
  ): Promise<RawResponse> {
    this.socket.write(head);
    if (body && !opts.awaitContinue) this.socket.write(body);
    let continued = false;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (!(await this.more())) throw new Error(`connection closed before an answer: ${this.buf.toString()}`);
        continue;
      }
      const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0]?.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        const k = l.slice(0, i).trim().toLowerCase();
        headers[k] = headers[k] === undefined ? l.slice(i + 1).trim() : `${headers[k]}, ${l.slice(i + 1).trim()}`;
      }
      if (status === 100) {
        continued = true;
        this.buf = this.buf.subarray(end + 4);
        if (body && opts.awaitContinue) this.socket.write(body);
        continue;
      }
      const length = opts.head || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
      while (this.buf.length < end + 4 + length)
        if (!(await this.more())) throw new Error(`connection closed mid-answer: ${this.buf.toString()}`);
      const text = this.buf.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buf = this.buf.subarray(end + 4 + length);
      return { status, headers, body: text, continued };
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

async function raw(port: number, head: string, body?: Buffer, opts?: { awaitContinue?: boolean; head?: boolean }) {
  const c = await RawConnection.open(port);
  try {
    return await c.send(head, body, opts);
  } finally {
    c.close();
  }
}

// ---------------------------------------------------------------- the contract every error keeps

const TOKEN_LIKE = /cvn_(?!\*\*\*)[A-Za-z0-9_-]{4,}/;

function expectError(res: RawResponse, status: number, code: string, secrets: string[] = []): void {
  expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json(;|$)/);
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
  const json = JSON.parse(res.body) as { error: Record<string, unknown> };
  expect(Object.keys(json)).toEqual(['error']);
  expect(Object.keys(json.error).sort()).toEqual(['code', 'hint', 'message']);
  expect(typeof json.error['message'] === 'string' && json.error['message'].length > 0).toBe(true);
  expect(typeof json.error['hint'] === 'string' && json.error['hint'].length > 0).toBe(true);
  expect(res.body).not.toMatch(TOKEN_LIKE);
  for (const s of secrets) expect(res.body).not.toContain(s);
  expect(res.body).not.toMatch(/\.ts:\d+|\.js:\d+|node_modules|at [\w.<>]+ \(/);
}

function errorCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return `(not JSON: ${body.slice(0, 80)})`;
  }
}

// ---------------------------------------------------------------- the table, route by route

type Who = 'anon' | 'unknown' | 'basic' | 'root' | 'alice' | 'bob' | 'carol' | 'eve' | 'aliceRead' | 'alicePayments';

interface Case {
  /** The OpenAPI operation: `method path`, as in spec/openapi/registry.yaml. */
  op: string;
  what: string;
  /** Method and path sent (method defaults to the operation's). */
  method?: string;
  path: string;
  as?: Who;
  type?: string;
  body?: string | Buffer;
  /** Extra header lines, written as given. */
  headers?: string[];
  /** Sent as Content-Length without sending a body. */
  announce?: number;
  status: number;
  code: string;
}

const PUBLISH = 'put /v1/actions/{name}/-/versions/{version}';
const VERSION = 'get /v1/actions/{name}/-/versions/{version}';
const DELETE = 'delete /v1/actions/{name}/-/versions/{version}';
const LIST = 'get /v1/actions/{name}/-/versions';
const RESOLVE = 'get /v1/actions/{name}/-/resolve';
const TARBALL = 'get /v1/actions/{name}/-/versions/{version}/tarball';
const DEPRECATE = 'post /v1/actions/{name}/-/versions/{version}/deprecate';
const YANK = 'post /v1/actions/{name}/-/versions/{version}/yank';
const UNYANK = 'post /v1/actions/{name}/-/versions/{version}/unyank';
const TAG = 'put /v1/actions/{name}/-/dist-tags/{tag}';
const SEARCH = 'get /v1/search';
const STATS = 'get /v1/actions/{name}/-/stats';
const AUDIT = 'get /v1/audit';
const WHOAMI = 'get /v1/whoami';
const TOKENS = 'post /v1/tokens';
const REVOKE = 'delete /v1/tokens/{id}';
const SPEC = 'get /v1/openapi.json';
const HEALTH = 'get /healthz';

/** A URL that reaches each operation (for the checks every operation shares). */
const SAMPLE: Record<string, string> = {
  [PUBLISH]: '/v1/actions/acme/lint/-/versions/2.0.0',
  [VERSION]: '/v1/actions/acme/lint/-/versions/1.0.0',
  [DELETE]: '/v1/actions/acme/lint/-/versions/1.0.0',
  [LIST]: '/v1/actions/acme/lint/-/versions',
  [RESOLVE]: '/v1/actions/acme/lint/-/resolve',
  [TARBALL]: '/v1/actions/acme/lint/-/versions/1.0.0/tarball',
  [DEPRECATE]: '/v1/actions/acme/lint/-/versions/1.0.0/deprecate',
  [YANK]: '/v1/actions/acme/lint/-/versions/1.0.0/yank',
  [UNYANK]: '/v1/actions/acme/lint/-/versions/1.0.0/unyank',
  [TAG]: '/v1/actions/acme/lint/-/dist-tags/stable',
  [SEARCH]: '/v1/search',
  [STATS]: '/v1/actions/acme/lint/-/stats',
  [AUDIT]: '/v1/audit',
  [WHOAMI]: '/v1/whoami',
  [TOKENS]: '/v1/tokens',
  [REVOKE]: '/v1/tokens/tok_nope',
  [SPEC]: '/v1/openapi.json',
  [HEALTH]: '/healthz',
};

const L = '/v1/actions/acme/lint/-';
const DEPLOY = '/v1/actions/acme/payments/deploy/-';
const GZ = 'application/gzip';
const JSON_TYPE = 'application/json';
const BIG_JSON = JSON.stringify({ message: 'x'.repeat(70 * 1024) });
const UNKNOWN_TOKEN = `cvn_${'U'.repeat(43)}`;

const tarballs = {
  lint200: await actionTarball('acme/lint', '2.0.0'),
  lint100: await actionTarball('acme/lint', '1.0.0', { salt: 'again' }),
  lint090: await actionTarball('acme/lint', '0.9.0', { salt: 'again' }),
  deploy100: await actionTarball('acme/payments/deploy', '1.0.0', { salt: 'again' }),
  other: await actionTarball('acme/other', '2.0.0'),
  traversal: await buildTarball([
    { name: 'action.yml', content: actionYml('acme/lint', '2.0.0') },
    { name: '../evil.sh', content: 'x' },
  ]),
  badYml: await buildTarball([{ name: 'action.yml', content: 'name: acme/lint\nversion: 2.0.0\n' }]),
  many: await buildTarball([
    { name: 'action.yml', content: actionYml('acme/lint', '2.0.0') },
    ...Array.from({ length: 1001 }, (_, i) => ({ name: `f/${i}.txt`, content: '' })),
  ]),
};

// prettier-ignore
const CASES: Case[] = [
  // publish
  { op: PUBLISH, what: 'no token', path: `${L}/versions/2.0.0`, as: 'anon', type: GZ, body: tarballs.lint200, status: 401, code: 'unauthenticated' },
  { op: PUBLISH, what: 'an unknown token', path: `${L}/versions/2.0.0`, as: 'unknown', type: GZ, body: tarballs.lint200, status: 401, code: 'bad-token' },
  { op: PUBLISH, what: 'Basic auth', path: `${L}/versions/2.0.0`, as: 'basic', type: GZ, body: tarballs.lint200, status: 401, code: 'bad-authorization' },
  { op: PUBLISH, what: 'a reader', path: `${L}/versions/2.0.0`, as: 'carol', type: GZ, body: tarballs.lint200, status: 403, code: 'forbidden' },
  { op: PUBLISH, what: 'a user without roles, project name', path: `${DEPLOY}/versions/2.0.0`, as: 'eve', type: GZ, body: tarballs.lint200, status: 403, code: 'forbidden' },
  { op: PUBLISH, what: 'a read-only token', path: `${L}/versions/2.0.0`, as: 'aliceRead', type: GZ, body: tarballs.lint200, status: 403, code: 'token-read-only' },
  { op: PUBLISH, what: 'a token for another scope', path: `${L}/versions/2.0.0`, as: 'alicePayments', type: GZ, body: tarballs.lint200, status: 403, code: 'token-scope' },
  { op: PUBLISH, what: 'the reserved scope', path: '/v1/actions/caravan/tool/-/versions/1.0.0', type: GZ, body: tarballs.lint200, status: 403, code: 'reserved-scope' },
  { op: PUBLISH, what: 'a bad name', path: '/v1/actions/acme/Lint/-/versions/2.0.0', type: GZ, body: tarballs.lint200, status: 400, code: 'invalid-name' },
  { op: PUBLISH, what: 'a bad version', path: `${L}/versions/2.0`, type: GZ, body: tarballs.lint200, status: 400, code: 'invalid-version' },
  { op: PUBLISH, what: 'an empty body', path: `${L}/versions/2.0.0`, type: GZ, body: Buffer.alloc(0), status: 400, code: 'empty-body' },
  { op: PUBLISH, what: 'bytes that are not gzip', path: `${L}/versions/2.0.0`, type: GZ, body: Buffer.from('plain text'), status: 400, code: 'tarball-not-gzip' },
  { op: PUBLISH, what: 'a wrong x-caravan-integrity', path: `${L}/versions/2.0.0`, type: GZ, body: tarballs.lint200, headers: ['x-caravan-integrity: sha512-AAAA'], status: 400, code: 'integrity-mismatch' },
  { op: PUBLISH, what: 'an existing version', path: `${L}/versions/1.0.0`, type: GZ, body: tarballs.lint100, status: 409, code: 'version-exists' },
  { op: PUBLISH, what: 'an existing version, project name', path: `${DEPLOY}/versions/1.0.0`, as: 'bob', type: GZ, body: tarballs.deploy100, status: 409, code: 'version-exists' },
  { op: PUBLISH, what: 'a deleted version', path: `${L}/versions/0.9.0`, type: GZ, body: tarballs.lint090, status: 409, code: 'version-deleted' },
  { op: PUBLISH, what: 'a 10 GB Content-Length', path: `${L}/versions/2.0.0`, type: GZ, announce: 10_000_000_000, status: 413, code: 'body-too-large' },
  { op: PUBLISH, what: 'too many entries', path: `${L}/versions/2.0.0`, type: GZ, body: tarballs.many, status: 413, code: 'tarball-too-many-entries' },
  { op: PUBLISH, what: 'a JSON body', path: `${L}/versions/2.0.0`, type: JSON_TYPE, body: '{"a":', status: 415, code: 'unsupported-media-type' },
  { op: PUBLISH, what: 'a text body', path: `${L}/versions/2.0.0`, type: 'text/plain', body: 'abc', status: 415, code: 'unsupported-media-type' },
  { op: PUBLISH, what: 'no content-type', path: `${L}/versions/2.0.0`, body: tarballs.lint200, status: 415, code: 'unsupported-media-type' },
  { op: PUBLISH, what: 'another name in action.yml', path: `${L}/versions/2.0.0`, type: GZ, body: tarballs.other, status: 422, code: 'spec-mismatch' },
  { op: PUBLISH, what: 'a path outside the package', path: `${L}/versions/2.0.0`, type: GZ, body: tarballs.traversal, status: 422, code: 'tarball-path-traversal' },
  { op: PUBLISH, what: 'an invalid action.yml', path: `${L}/versions/2.0.0`, type: GZ, body: tarballs.badYml, status: 422, code: 'invalid-action-yml' },
  // one version
  { op: VERSION, what: 'no token on a private scope', path: `${L}/versions/1.0.0`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: VERSION, what: 'an unknown token', path: `${L}/versions/1.0.0`, as: 'unknown', status: 401, code: 'bad-token' },
  { op: VERSION, what: 'a user without roles', path: `${L}/versions/1.0.0`, as: 'eve', status: 403, code: 'forbidden' },
  { op: VERSION, what: 'a token for another scope', path: `${L}/versions/1.0.0`, as: 'alicePayments', status: 403, code: 'token-scope' },
  { op: VERSION, what: 'a bad version', path: `${L}/versions/1.0`, status: 400, code: 'invalid-version' },
  { op: VERSION, what: 'a bad name', path: '/v1/actions/acme/Lint/-/versions/1.0.0', status: 400, code: 'invalid-name' },
  { op: VERSION, what: 'a bad percent-encoding', path: '/v1/actions/acme/li%ZZnt/-/versions/1.0.0', status: 400, code: 'invalid-url' },
  { op: VERSION, what: 'a missing version', path: `${L}/versions/3.0.0`, status: 404, code: 'not-found' },
  { op: VERSION, what: 'a deleted version', path: `${L}/versions/0.9.0`, status: 404, code: 'deleted' },
  { op: VERSION, what: 'HEAD of a missing version', method: 'HEAD', path: `${DEPLOY}/versions/3.0.0`, status: 404, code: 'not-found' },
  // delete
  { op: DELETE, what: 'no token', path: `${L}/versions/1.0.0`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: DELETE, what: 'a publisher', path: `${DEPLOY}/versions/1.0.0`, as: 'bob', status: 403, code: 'forbidden' },
  { op: DELETE, what: 'a reader', path: `${L}/versions/1.0.0`, as: 'carol', status: 403, code: 'forbidden' },
  { op: DELETE, what: 'a bad version', path: `${L}/versions/1.0`, status: 400, code: 'invalid-version' },
  { op: DELETE, what: 'a missing version', path: `${L}/versions/3.0.0`, status: 404, code: 'not-found' },
  // version list
  { op: LIST, what: 'no token on a private scope', path: `${L}/versions`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: LIST, what: 'a user without roles', path: `${DEPLOY}/versions`, as: 'eve', status: 403, code: 'forbidden' },
  { op: LIST, what: 'a bad name', path: '/v1/actions/acme/Lint/-/versions', status: 400, code: 'invalid-name' },
  { op: LIST, what: 'a missing action', path: '/v1/actions/acme/nope/-/versions', status: 404, code: 'not-found' },
  // resolve
  { op: RESOLVE, what: 'includePrerelease=banana', path: `${L}/resolve?includePrerelease=banana`, status: 400, code: 'invalid-query' },
  { op: RESOLVE, what: 'an empty includePrerelease', path: `${L}/resolve?range=1&includePrerelease=`, status: 400, code: 'invalid-query' },
  { op: RESOLVE, what: 'a repeated range', path: `${L}/resolve?range=1&range=2`, status: 400, code: 'invalid-query' },
  { op: RESOLVE, what: 'a misspelt parameter', path: `${L}/resolve?include_prerelease=true`, status: 400, code: 'invalid-query' },
  { op: RESOLVE, what: 'a bad percent-encoding in the query', path: `${L}/resolve?range=%ZZ`, status: 400, code: 'invalid-query' },
  { op: RESOLVE, what: 'a range that is nothing', path: `${L}/resolve?range=%3E%3E%3Cfoo`, status: 400, code: 'invalid-range' },
  { op: RESOLVE, what: 'no token on a private scope', path: `${L}/resolve?range=1`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: RESOLVE, what: 'a user without roles', path: `${L}/resolve?range=1`, as: 'eve', status: 403, code: 'forbidden' },
  { op: RESOLVE, what: 'no matching version', path: `${DEPLOY}/resolve?range=%5E9`, as: 'bob', status: 404, code: 'no-matching-version' },
  { op: RESOLVE, what: 'a missing action', path: '/v1/actions/acme/nope/-/resolve', status: 404, code: 'not-found' },
  // tarball
  { op: TARBALL, what: 'a bad version', path: `${L}/versions/x/tarball`, status: 400, code: 'invalid-version' },
  { op: TARBALL, what: 'no token on a private scope', path: `${L}/versions/1.0.0/tarball`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: TARBALL, what: 'a user without roles', path: `${L}/versions/1.0.0/tarball`, as: 'eve', status: 403, code: 'forbidden' },
  { op: TARBALL, what: 'a missing version', path: `${L}/versions/3.0.0/tarball`, status: 404, code: 'not-found' },
  // deprecate
  { op: DEPRECATE, what: 'a number for the message', path: `${L}/versions/1.0.0/deprecate`, type: JSON_TYPE, body: '{"message":12}', status: 400, code: 'invalid-request' },
  { op: DEPRECATE, what: 'malformed JSON quoting a token', path: `${L}/versions/1.0.0/deprecate`, type: JSON_TYPE, body: `{"message": cvn_${'A'.repeat(43)}`, status: 400, code: 'malformed-json' },
  { op: DEPRECATE, what: 'no body', path: `${L}/versions/1.0.0/deprecate`, status: 400, code: 'empty-body' },
  { op: DEPRECATE, what: 'a __proto__ key', path: `${L}/versions/1.0.0/deprecate`, type: JSON_TYPE, body: '{"message":"x","__proto__":{"admin":true}}', status: 400, code: 'forbidden-key' },
  { op: DEPRECATE, what: 'a constructor.prototype key', path: `${L}/versions/1.0.0/deprecate`, type: JSON_TYPE, body: '{"message":"x","constructor":{"prototype":{"admin":true}}}', status: 400, code: 'forbidden-key' },
  { op: DEPRECATE, what: 'no token', path: `${L}/versions/1.0.0/deprecate`, as: 'anon', type: JSON_TYPE, body: '{"message":"x"}', status: 401, code: 'unauthenticated' },
  { op: DEPRECATE, what: 'a reader', path: `${L}/versions/1.0.0/deprecate`, as: 'carol', type: JSON_TYPE, body: '{"message":"x"}', status: 403, code: 'forbidden' },
  { op: DEPRECATE, what: 'a missing version', path: `${L}/versions/3.0.0/deprecate`, type: JSON_TYPE, body: '{"message":"x"}', status: 404, code: 'not-found' },
  { op: DEPRECATE, what: 'a body over 64 KB', path: `${L}/versions/1.0.0/deprecate`, type: JSON_TYPE, body: BIG_JSON, status: 413, code: 'body-too-large' },
  { op: DEPRECATE, what: 'a chunked body over 64 KB', path: `${L}/versions/1.0.0/deprecate`, type: JSON_TYPE, headers: ['Transfer-Encoding: chunked'], body: `${BIG_JSON.length.toString(16)}\r\n${BIG_JSON}\r\n0\r\n\r\n`, status: 413, code: 'body-too-large' },
  { op: DEPRECATE, what: 'a text body', path: `${L}/versions/1.0.0/deprecate`, type: 'text/plain', body: 'x', status: 415, code: 'unsupported-media-type' },
  { op: DEPRECATE, what: 'JSON in UTF-16', path: `${L}/versions/1.0.0/deprecate`, type: 'application/json; charset=utf-16', body: '{"message":"x"}', status: 415, code: 'unsupported-media-type' },
  // yank, unyank
  { op: YANK, what: 'a body other than {}', path: `${L}/versions/1.0.0/yank`, type: JSON_TYPE, body: '{"force":true}', status: 400, code: 'invalid-request' },
  { op: YANK, what: 'a bad version', path: `${L}/versions/1.0/yank`, status: 400, code: 'invalid-version' },
  { op: YANK, what: 'no token', path: `${L}/versions/1.0.0/yank`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: YANK, what: 'a reader', path: `${L}/versions/1.0.0/yank`, as: 'carol', status: 403, code: 'forbidden' },
  { op: YANK, what: 'a missing version', path: `${DEPLOY}/versions/3.0.0/yank`, as: 'bob', status: 404, code: 'not-found' },
  { op: YANK, what: 'a body over 64 KB', path: `${L}/versions/1.0.0/yank`, type: JSON_TYPE, body: BIG_JSON, status: 413, code: 'body-too-large' },
  { op: YANK, what: 'a text body', path: `${L}/versions/1.0.0/yank`, type: 'text/plain', body: 'x', status: 415, code: 'unsupported-media-type' },
  { op: UNYANK, what: 'an array body', path: `${L}/versions/1.1.0/unyank`, type: JSON_TYPE, body: '[]', status: 400, code: 'invalid-request' },
  { op: UNYANK, what: 'no token', path: `${L}/versions/1.1.0/unyank`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: UNYANK, what: 'a reader', path: `${L}/versions/1.1.0/unyank`, as: 'carol', status: 403, code: 'forbidden' },
  { op: UNYANK, what: 'a missing version', path: `${L}/versions/3.0.0/unyank`, status: 404, code: 'not-found' },
  { op: UNYANK, what: 'a body over 64 KB', path: `${L}/versions/1.1.0/unyank`, type: JSON_TYPE, body: BIG_JSON, status: 413, code: 'body-too-large' },
  { op: UNYANK, what: 'a gzip body', path: `${L}/versions/1.1.0/unyank`, type: GZ, body: tarballs.lint200, status: 415, code: 'unsupported-media-type' },
  // dist-tags
  { op: TAG, what: 'a tag like an integrity (sha512)', path: `${L}/dist-tags/sha512-abc`, type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 400, code: 'invalid-tag' },
  { op: TAG, what: 'a tag like an integrity (sha256)', path: `${L}/dist-tags/sha256-abc`, type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 400, code: 'invalid-tag' },
  { op: TAG, what: 'a tag like an integrity (sha1)', path: `${L}/dist-tags/sha1-abc`, type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 400, code: 'invalid-tag' },
  { op: TAG, what: 'a tag like a range', path: `${L}/dist-tags/1.x`, type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 400, code: 'invalid-tag' },
  { op: TAG, what: 'a tag like a version', path: `${L}/dist-tags/v1`, type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 400, code: 'invalid-tag' },
  { op: TAG, what: 'no version in the body', path: `${L}/dist-tags/stable`, type: JSON_TYPE, body: '{}', status: 400, code: 'invalid-request' },
  { op: TAG, what: 'no token', path: `${L}/dist-tags/stable`, as: 'anon', type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 401, code: 'unauthenticated' },
  { op: TAG, what: 'a reader', path: `${L}/dist-tags/stable`, as: 'carol', type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 403, code: 'forbidden' },
  { op: TAG, what: 'a publisher', path: `${DEPLOY}/dist-tags/stable`, as: 'bob', type: JSON_TYPE, body: '{"version":"1.0.0"}', status: 403, code: 'forbidden' },
  { op: TAG, what: 'a missing version', path: `${L}/dist-tags/stable`, type: JSON_TYPE, body: '{"version":"3.0.0"}', status: 404, code: 'not-found' },
  { op: TAG, what: 'latest on a yanked version', path: `${L}/dist-tags/latest`, type: JSON_TYPE, body: '{"version":"1.1.0"}', status: 409, code: 'yanked' },
  { op: TAG, what: 'a body over 64 KB', path: `${L}/dist-tags/stable`, type: JSON_TYPE, body: BIG_JSON, status: 413, code: 'body-too-large' },
  { op: TAG, what: 'a text body', path: `${L}/dist-tags/stable`, type: 'text/plain', body: '1.0.0', status: 415, code: 'unsupported-media-type' },
  // search, audit, whoami
  { op: SEARCH, what: 'limit=0', path: '/v1/search?limit=0', status: 400, code: 'invalid-query' },
  { op: SEARCH, what: 'limit=1e1', path: '/v1/search?limit=1e1', status: 400, code: 'invalid-query' },
  { op: SEARCH, what: 'a bracketed parameter', path: '/v1/search?q[a]=1', status: 400, code: 'invalid-query' },
  { op: SEARCH, what: 'a bad scope', path: '/v1/search?scope=..%2F..%2Fetc', status: 400, code: 'invalid-scope' },
  { op: SEARCH, what: 'an unknown token', path: '/v1/search?q=x', as: 'unknown', status: 401, code: 'bad-token' },
  { op: SEARCH, what: 'offset over 10000', path: '/v1/search?offset=10001', status: 400, code: 'invalid-query' },
  { op: SEARCH, what: 'a negative offset', path: '/v1/search?offset=-1', status: 400, code: 'invalid-query' },
  { op: SEARCH, what: 'an unknown parameter', path: '/v1/search?page=2', status: 400, code: 'invalid-query' },
  { op: SEARCH, what: 'a text of 201 characters', path: `/v1/search?q=${'a'.repeat(201)}`, status: 400, code: 'query-too-long' },
  { op: SEARCH, what: 'a text of 13 words', path: `/v1/search?q=${Array.from({ length: 13 }, (_, i) => `w${i}`).join('+')}`, status: 400, code: 'query-too-long' },
  { op: SEARCH, what: 'a category of 101 characters', path: `/v1/search?category=${'c'.repeat(101)}`, status: 400, code: 'invalid-category' },
  { op: STATS, what: 'days=0', path: `${L}/stats?days=0`, status: 400, code: 'invalid-query' },
  { op: STATS, what: 'an unknown parameter', path: `${L}/stats?since=1`, status: 400, code: 'invalid-query' },
  { op: STATS, what: 'a bad name', path: '/v1/actions/acme/BAD/-/stats', status: 400, code: 'invalid-name' },
  { op: STATS, what: 'no token on a private scope', path: `${L}/stats`, as: 'anon', status: 401, code: 'unauthenticated' },
  { op: STATS, what: 'a user without roles', path: `${L}/stats`, as: 'eve', status: 403, code: 'forbidden' },
  { op: AUDIT, what: 'no scope', path: '/v1/audit', status: 400, code: 'invalid-query' },
  { op: AUDIT, what: 'a bad scope', path: '/v1/audit?scope=a/b/c', status: 400, code: 'invalid-scope' },
  { op: AUDIT, what: 'limit over 1000', path: '/v1/audit?scope=acme&limit=5000', status: 400, code: 'invalid-query' },
  { op: AUDIT, what: 'no token', path: '/v1/audit?scope=acme', as: 'anon', status: 401, code: 'unauthenticated' },
  { op: AUDIT, what: 'a reader', path: '/v1/audit?scope=acme', as: 'carol', status: 403, code: 'forbidden' },
  { op: WHOAMI, what: 'an unknown token', path: '/v1/whoami', as: 'unknown', status: 401, code: 'bad-token' },
  { op: WHOAMI, what: 'Basic auth', path: '/v1/whoami', as: 'basic', status: 401, code: 'bad-authorization' },
  { op: WHOAMI, what: 'a Transfer-Encoding that is not chunked', path: '/v1/whoami', headers: ['Transfer-Encoding: gzip'], status: 400, code: 'bad-transfer-encoding' },
  // tokens
  { op: TOKENS, what: 'a wrong access', path: '/v1/tokens', type: JSON_TYPE, body: '{"scopes":["acme"],"access":"admin"}', status: 400, code: 'invalid-request' },
  { op: TOKENS, what: 'a hostile scope', path: '/v1/tokens', type: JSON_TYPE, body: '{"scopes":["../../etc"],"access":"read"}', status: 400, code: 'invalid-scope' },
  { op: TOKENS, what: 'no body', path: '/v1/tokens', status: 400, code: 'empty-body' },
  { op: TOKENS, what: 'no token', path: '/v1/tokens', as: 'anon', type: JSON_TYPE, body: '{"scopes":["acme"],"access":"read"}', status: 401, code: 'unauthenticated' },
  { op: TOKENS, what: 'publish from a read-only token', path: '/v1/tokens', as: 'aliceRead', type: JSON_TYPE, body: '{"scopes":["acme"],"access":"publish"}', status: 403, code: 'token-read-only' },
  { op: TOKENS, what: 'a wider scope', path: '/v1/tokens', as: 'alicePayments', type: JSON_TYPE, body: '{"scopes":["acme"],"access":"read"}', status: 403, code: 'token-scope' },
  { op: TOKENS, what: 'a body over 64 KB', path: '/v1/tokens', type: JSON_TYPE, body: BIG_JSON, status: 413, code: 'body-too-large' },
  { op: TOKENS, what: 'a form body', path: '/v1/tokens', type: 'application/x-www-form-urlencoded', body: 'access=read', status: 415, code: 'unsupported-media-type' },
  { op: REVOKE, what: 'no token', path: '/v1/tokens/tok_nope', as: 'anon', status: 401, code: 'unauthenticated' },
  { op: REVOKE, what: 'a missing token id', path: '/v1/tokens/tok_nope', status: 404, code: 'not-found' },
  { op: REVOKE, what: 'a bad percent-encoding', path: '/v1/tokens/%E0%A4%A', status: 400, code: 'invalid-url' },
];

// What every operation shares: an unknown query parameter, a body where none is taken, an overlong path segment.
for (const [op, sample] of Object.entries(SAMPLE)) {
  const [method = ''] = op.split(' ');
  CASES.push({ op, what: 'an unknown query parameter', path: `${sample}?x=1`, status: 400, code: 'invalid-query' });
  if (['get', 'delete'].includes(method))
    CASES.push({ op, what: 'a body', path: sample, type: JSON_TYPE, body: '{}', status: 400, code: 'unexpected-body' });
  const long = sample.replace(/^(\/v1\/actions\/acme\/)[^/]+|^(\/v1\/tokens\/)[^/]+/, `$1$2${'a'.repeat(301)}`);
  if (long !== sample)
    CASES.push({ op, what: 'a path segment over 300 characters', path: long, status: 414, code: 'uri-too-long' });
}

const SECRET = `cvn_${'S'.repeat(43)}`;
const POST = 'POST /v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
/** What is refused before or beside any route (Node's parser, the router, the server). */
// prettier-ignore
const EDGE_CASES = [
  ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'malformed-request'],
  ['an unknown HTTP version', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 400, 'malformed-request'],
  ['bare LF line ends', 'GET /healthz HTTP/1.1\nHost: x\n\n', 400, 'malformed-request'],
  ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', 400, 'malformed-request'],
  ['a NUL in the URL', 'GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'malformed-request'],
  ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'malformed-request'],
  ['two Content-Lengths', `${POST}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400, 'bad-content-length'],
  ['a Content-Length that is not a number', `${POST}Content-Length: abc\r\n\r\n{}`, 400, 'bad-content-length'],
  ['Content-Length with chunked (request smuggling)', `${POST}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, 400, 'bad-transfer-encoding'],
  ['a Transfer-Encoding that is not chunked', `${POST}Transfer-Encoding: gzip\r\n\r\n{}`, 400, 'bad-transfer-encoding'],
  ['a malformed chunk', `${POST}Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`, 400, 'bad-transfer-encoding'],
  ['a URL over 16 KB', `GET /v1/search?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'headers-too-large'],
  ['headers over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers-too-large'],
  ['no Host in HTTP/1.1', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'missing-host'],
  ['an expectation other than 100-continue', 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: banana\r\n\r\n', 417, 'expectation-failed'],
  ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'method-not-allowed'],
  ['an unknown path', 'GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n', 404, 'no-route'],
  ['an unknown path holding a token', `GET /v1/${SECRET}?t=${SECRET} HTTP/1.1\r\nHost: x\r\n\r\n`, 404, 'no-route'],
  ['a name with one segment', 'GET /v1/actions/acme/-/versions HTTP/1.1\r\nHost: x\r\n\r\n', 404, 'no-route'],
  ['a query parameter named like a token', `GET /v1/search?${SECRET}=1 HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'invalid-query'],
  ['a name holding a token', `GET /v1/actions/acme/${SECRET}/-/versions HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'invalid-name'],
] as const;

/** Publishes with `Expect: 100-continue` that are refused before the body is read. */
const EXPECT_CASES = [
  ['a 10 GB Content-Length', 'alice', 'application/gzip', 10_000_000_000, 413, 'body-too-large'],
  ['no token', '', 'application/gzip', 1000, 401, 'unauthenticated'],
  ['a reader', 'carol', 'application/gzip', 1000, 403, 'forbidden'],
  ['a JSON body', 'alice', 'application/json', 1000, 415, 'unsupported-media-type'],
] as const;

/** Codes tested on their own below (and the 500 in server-errors.test.ts). */
const OTHER_CODES: [string, number][] = [
  ['method-not-allowed', 405],
  ['request-timeout', 408],
  ['shutting-down', 503],
  ['internal', 500],
];

// ---------------------------------------------------------------- the tests

describe('the error contract, route by route', () => {
  let reg: TestRegistry;
  let port: number;
  const tokens: Record<string, string> = {};
  const log: string[] = [];

  function authLine(who: Who): string {
    if (who === 'anon') return '';
    if (who === 'unknown') return `Authorization: Bearer ${UNKNOWN_TOKEN}\r\n`;
    if (who === 'basic') return 'Authorization: Basic YWxpY2U6c2VjcmV0\r\n';
    return `Authorization: Bearer ${tokens[who] ?? ''}\r\n`;
  }

  function head(c: Case): string {
    const method = c.method ?? c.op.split(' ')[0]?.toUpperCase();
    const length = c.announce ?? (c.body === undefined ? undefined : Buffer.byteLength(c.body));
    const framed = (c.headers ?? []).some((h) => /^transfer-encoding:/i.test(h));
    return (
      `${method} ${c.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${authLine(c.as ?? 'alice')}` +
      (c.type ? `Content-Type: ${c.type}\r\n` : '') +
      (length !== undefined && !framed ? `Content-Length: ${length}\r\n` : '') +
      (c.headers ?? []).map((h) => `${h}\r\n`).join('') +
      '\r\n'
    );
  }

  beforeAll(async () => {
    reg = await startTestRegistry(sqlite, { accessLog: (l) => log.push(l), logError: (l) => log.push(l) });
    port = Number(new URL(reg.url).port);
    Object.assign(tokens, reg.tokens);
    const alice = reg.tokens['alice'];
    for (const v of ['0.9.0', '1.0.0', '1.1.0'])
      expect((await publish(reg.url, alice, 'acme/lint', v, await actionTarball('acme/lint', v))).status).toBe(201);
    const bobs = await actionTarball('acme/payments/deploy', '1.0.0');
    expect((await publish(reg.url, reg.tokens['bob'], 'acme/payments/deploy', '1.0.0', bobs)).status).toBe(201);
    const call = async (method: string, path: string, body?: string) => {
      const c: Case = {
        op: `${method} x`,
        what: 'set-up',
        path,
        status: 0,
        code: '',
        ...(body ? { body, type: JSON_TYPE } : {}),
      };
      return raw(port, head(c), body === undefined ? undefined : Buffer.from(body));
    };
    expect((await call('DELETE', '/v1/actions/acme/lint/-/versions/0.9.0')).status).toBe(204);
    expect((await call('POST', '/v1/actions/acme/lint/-/versions/1.1.0/yank')).status).toBe(204);
    for (const [name, body] of [
      ['aliceRead', '{"scopes":["acme"],"access":"read"}'],
      ['alicePayments', '{"scopes":["acme/payments"],"access":"publish"}'],
    ] as const) {
      const res = await call('POST', '/v1/tokens', body);
      expect(res.status).toBe(201);
      tokens[name] = (JSON.parse(res.body) as { token: string }).token;
    }
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it.each(CASES.map((c) => [`${c.op}: ${c.what} → ${c.status} ${c.code}`, c] as const))('%s', async (_name, c) => {
    const isHead = (c.method ?? c.op.split(' ')[0]?.toUpperCase()) === 'HEAD';
    const body = c.body === undefined ? undefined : Buffer.from(c.body);
    const res = await raw(port, head(c), body, { head: isHead });
    if (isHead) {
      expect(res.status).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      return;
    }
    expectError(res, c.status, c.code, Object.values(tokens));
  });

  const paths = Object.entries(OPENAPI.paths);
  it.each(paths.map(([p]) => [p]))('%s answers 405 with Allow for the methods it does not have', async (p) => {
    const sample = Object.keys(OPENAPI.paths[p] ?? {})
      .filter((m) => m !== 'parameters')
      .map((m) => SAMPLE[`${m} ${p}`])
      .find((s) => s !== undefined);
    expect(sample, `a sample URL for ${p}`).toBeDefined();
    const methods = Object.keys(OPENAPI.paths[p] ?? {})
      .filter((m) => m !== 'parameters')
      .map((m) => m.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    for (const method of [
      'PATCH',
      'OPTIONS',
      'PROPFIND',
      'TRACE',
      ...['GET', 'PUT', 'POST', 'DELETE'].filter((m) => !methods.includes(m)),
    ]) {
      const res = await raw(
        port,
        `${method} ${sample} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${authLine('alice')}\r\n`,
      );
      expectError(res, 405, 'method-not-allowed');
      expect(res.headers['allow']?.split(', ').sort(), `${method} ${p}`).toEqual([...methods].sort());
    }
  });

  it('lists, for every operation in the OpenAPI document, exactly the error statuses the table shows it answers', () => {
    const documented: Record<string, number[]> = {};
    for (const [p, ops] of Object.entries(OPENAPI.paths))
      for (const [m, op] of Object.entries(ops)) {
        if (m === 'parameters') continue;
        const errors = Object.entries(op.responses).filter(([s]) => s === 'default' || Number(s) >= 400);
        for (const [s, r] of errors) expect(r.$ref, `${m} ${p} ${s}`).toBe('#/components/responses/Error');
        expect(
          errors.some(([s]) => s === 'default'),
          `${m} ${p} has a default error`,
        ).toBe(true);
        documented[`${m} ${p}`] = errors
          .filter(([s]) => s !== 'default')
          .map(([s]) => Number(s))
          .sort();
      }
    const tested: Record<string, number[]> = {};
    for (const c of CASES) tested[c.op] = [...new Set([...(tested[c.op] ?? []), c.status])].sort();
    expect(tested).toEqual(documented);
    expect(OPENAPI.components.schemas.Error.properties.error.required.sort()).toEqual(['code', 'hint', 'message']);
  });

  it('documents every route the server has, and nothing it has not', () => {
    const served = new Set<string>();
    const stack: string[] = [];
    for (const line of reg.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)/.exec(line);
      if (!m) continue;
      const depth = (m[1] ?? '').length / 4;
      stack.length = depth;
      stack.push(m[2] ?? '');
      const url = stack
        .join('')
        .replace(/\/:s1\/:s2(\/:s3)?\/-/, '/{name}/-')
        .replace(/:(\w+)/g, '{$1}');
      for (const method of (m[3] ?? '').split(', '))
        if (method !== 'HEAD') served.add(`${method.toLowerCase()} ${url}`);
    }
    // The storefront's HTML pages and their assets are not part of the JSON API (see docs/registry.md);
    // printRoutes shows its /actions/* and /scopes/* under their shared wildcard, as /*.
    const page = /^(get|post) \/(search|\*|-\/(login|logout|static\/\S+))?$/;
    for (const route of [...served]) if (page.test(route)) served.delete(route);
    const documented = new Set<string>();
    for (const [p, ops] of Object.entries(OPENAPI.paths))
      for (const m of Object.keys(ops)) if (m !== 'parameters') documented.add(`${m} ${p}`);
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('never writes a token into the access log or the error log', () => {
    expect(log.length).toBeGreaterThan(CASES.length);
    const text = log.join('\n');
    for (const t of Object.values(tokens)) expect(text).not.toContain(t);
    expect(text).not.toMatch(TOKEN_LIKE);
  });
});

describe('errors before and beside the routes', () => {
  let reg: TestRegistry;
  let port: number;
  const log: string[] = [];
  beforeAll(async () => {
    reg = await startTestRegistry(sqlite, { accessLog: (l) => log.push(l), logError: (l) => log.push(l) });
    port = Number(new URL(reg.url).port);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const edge = EDGE_CASES.map(
    ([what, request, status, code]) => [`${what} → ${status} ${code}`, request, status, code] as const,
  );
  it.each(edge)('%s', async (_name, request, status, code) => {
    const res = await raw(port, request);
    expectError(res, status, code, [SECRET]);
  });

  it('HEAD of an unknown path keeps the status and the content-type, without a body', async () => {
    const res = await raw(port, 'HEAD /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n', undefined, { head: true });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('never writes a token from a URL into the access log', () => {
    expect(log.length).toBeGreaterThan(0);
    expect(log.join('\n')).not.toContain(SECRET);
  });
});

describe('Expect: 100-continue', () => {
  let reg: TestRegistry;
  let port: number;
  beforeAll(async () => {
    reg = await startTestRegistry(sqlite);
    port = Number(new URL(reg.url).port);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const put = (auth: string, type: string, length: number) =>
    `PUT /v1/actions/acme/big/-/versions/1.0.0 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: ${type}\r\n` +
    `Content-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;

  it.each(EXPECT_CASES)(
    '%s (as %s, %s, Content-Length %i) gets %i %s instead of 100 Continue',
    async (_what, user, type, length, status, code) => {
      const auth = user ? `Authorization: Bearer ${reg.tokens[user] ?? ''}\r\n` : '';
      const res = await raw(port, put(auth, type, length), Buffer.alloc(0), { awaitContinue: true });
      expect(res.continued).toBe(false);
      expectError(res, status, code);
      expect(res.headers['connection']).toBe('close');
    },
  );

  it('a publish that will be read gets 100 Continue, then its answer', async () => {
    const body = await actionTarball('acme/big', '1.0.0');
    const auth = `Authorization: Bearer ${reg.tokens['alice'] ?? ''}\r\n`;
    const res = await raw(port, put(auth, 'application/gzip', body.length), body, { awaitContinue: true });
    expect(res.continued).toBe(true);
    expect(res.status).toBe(201);
  });
});

describe('timeouts and shutdown', () => {
  it.each([
    ['headers that stop coming', 'GET /healthz HTTP/1.1\r\nHost: x\r\n'],
    [
      'a body that stops coming',
      'POST /v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{',
    ],
  ])('a request with %s is answered 408 in the documented shape', async (_what, request) => {
    const opts = { ...sqlite.options(tempDir()), port: 0, logError: () => undefined, requestTimeoutMs: 200 };
    const slow = await startRegistry(opts);
    try {
      // Nothing more is sent: the server gives up by itself, whatever the clock says.
      const res = await raw(Number(new URL(slow.url).port), request);
      expectError(res, 408, 'request-timeout');
      expect(res.headers['connection']).toBe('close');
    } finally {
      await slow.close();
      await cleanup(opts);
    }
  });

  it('a request that arrives while the server closes is answered 503 in the documented shape', async () => {
    const opts = sqlite.options(tempDir());
    const store = await openStore(opts);
    const app = createServer(new Registry({ store, blobs: openBlobs(opts.dataDir) }), { logError: () => undefined });
    let entered!: () => void;
    let release!: () => void;
    const inPreClose = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    app.addHook('preClose', async () => {
      entered();
      await gate;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const c = await RawConnection.open(typeof address === 'object' && address ? address.port : 0);
    try {
      expect((await c.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(200);
      const closing = app.close();
      await inPreClose;
      const res = await c.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expectError(res, 503, 'shutting-down');
      expect(res.headers['connection']).toBe('close');
      release();
      await closing;
    } finally {
      release();
      c.close();
      await store.close();
      await cleanup(opts);
    }
  });
});

describe('dist-tags', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry(sqlite);
    for (const v of ['1.0.0', '2.0.0-rc.1'])
      expect(
        (await publish(reg.url, reg.tokens['alice'], 'acme/tags', v, await actionTarball('acme/tags', v))).status,
      ).toBe(201);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  // Every tag that can be set can be resolved: a tag that resolve would read as something else is refused.
  it.each([
    'beta',
    'next',
    'stable',
    'sha',
    'sha512',
    'shadow-1',
    'sha512x-1',
    'v',
    'vnext',
    'x1',
    'constructor',
    'hasownproperty',
    'latest',
    'sha512-abc',
    'sha384-abc',
    'sha256-abc',
    'sha1-abc',
    '1',
    '1.x',
    'x',
    'v1',
    'v1.2.3',
    'v1.2.3-beta',
    'latest-1',
  ])('%s: refused with 400 invalid-tag, or resolves to the version it names', async (tag) => {
    const auth = { authorization: `Bearer ${reg.tokens['alice'] ?? ''}`, 'content-type': 'application/json' };
    const set = await fetch(`${reg.url}/v1/actions/acme/tags/-/dist-tags/${tag}`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ version: '2.0.0-rc.1' }),
    });
    if (set.status === 204) {
      const res = await fetch(`${reg.url}/v1/actions/acme/tags/-/resolve?range=${encodeURIComponent(tag)}`, {
        headers: auth,
      });
      expect(res.status, `resolve ${tag}`).toBe(200);
      expect(((await res.json()) as { version: string }).version).toBe('2.0.0-rc.1');
    } else {
      expect(set.status, tag).toBe(400);
      expect(((await set.json()) as { error: { code: string } }).error.code).toBe('invalid-tag');
    }
  });
});

describe('docs/registry.md', () => {
  it('lists every error code the tests above expect, with its status', () => {
    const rows = new Map<string, Set<number>>();
    for (const line of DOCS.split('\n')) {
      const m = /^\| ((?:`[a-z0-9-]+`(?:, )?)+) \| (\d{3}) \|/.exec(line);
      if (!m) continue;
      for (const code of (m[1] ?? '').match(/[a-z0-9-]+/g) ?? []) {
        if (!rows.has(code)) rows.set(code, new Set());
        rows.get(code)?.add(Number(m[2]));
      }
    }
    const used: [string, number][] = [
      ...CASES.map((c): [string, number] => [c.code, c.status]),
      ...EDGE_CASES.map(([, , status, code]): [string, number] => [code, status]),
      ...EXPECT_CASES.map(([, , , , status, code]): [string, number] => [code, status]),
      ...OTHER_CODES,
    ];
    const missing = used.filter(([code, status]) => !rows.get(code)?.has(status)).map(([c, s]) => `${c} ${s}`);
    expect([...new Set(missing)]).toEqual([]);
  });
});
