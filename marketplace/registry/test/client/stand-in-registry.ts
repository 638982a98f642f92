/**
 * A small registry stand-in on node:http, speaking the agreed HTTP API closely enough for the
 * client's tests, with switches for misbehaviour (tampered bytes, silence, non-JSON errors).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import semver from 'semver';

interface StoredVersion {
  tarball: Buffer;
  integrity: string;
  deprecated?: string;
}

export interface StandIn {
  url: string;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  /** Authorization headers seen. */
  authorizations: Array<string | undefined>;
  versions: Map<string, Map<string, StoredVersion>>;
  /** When set, tarball downloads answer these bytes instead. */
  tamper?: (original: Buffer) => Buffer;
  /** When true, every request is left unanswered. */
  silent: boolean;
  /** When set, every request is answered with this status and a non-JSON body. */
  brokenStatus?: number;
  tarballRequests(): number;
  stop(): Promise<void>;
}

const integrityOf = (b: Buffer): string => `sha512-${createHash('sha512').update(b).digest('base64')}`;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string, hint?: string): void {
  send(res, status, { error: hint ? { code, message, hint } : { code, message } });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startStandIn(): Promise<StandIn> {
  const state: StandIn = {
    url: '',
    requests: [],
    authorizations: [],
    versions: new Map(),
    silent: false,
    tarballRequests: () => state.requests.filter((r) => r.endsWith('/tarball')).length,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push(`${req.method} ${url.pathname}`);
    state.authorizations.push(req.headers.authorization);
    if (state.silent) return;
    if (state.brokenStatus) {
      res.writeHead(state.brokenStatus, { 'content-type': 'text/html' });
      res.end('<html><body>\u0007Bad Gateway</body></html>');
      return;
    }
    if (url.pathname === '/v1/whoami') {
      if (req.headers.authorization !== 'Bearer good-token')
        return fail(res, 401, 'unauthorized', 'the token is unknown or revoked', 'run caravan login again');
      return send(res, 200, { user: 'alice', admin: false, scopes: ['acme'] });
    }
    const m = /^\/v1\/actions\/(.+)\/-\/(.*)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'not-found', `no route ${url.pathname}`);
    const name = decodeURIComponent(m[1] ?? '');
    const rest = (m[2] ?? '').split('/').map(decodeURIComponent);
    const versions = state.versions.get(name) ?? new Map<string, StoredVersion>();
    if (req.method === 'PUT' && rest[0] === 'versions' && rest[1]) {
      const body = await readBody(req);
      const integrity = integrityOf(body);
      if (req.headers['x-caravan-integrity'] !== integrity)
        return fail(res, 400, 'integrity-mismatch', 'the body does not match x-caravan-integrity');
      if (versions.has(rest[1]))
        return fail(
          res,
          409,
          'version-exists',
          `${name}@${rest[1]} already exists`,
          'versions are immutable: bump the version in action.yml',
        );
      versions.set(rest[1], { tarball: body, integrity });
      state.versions.set(name, versions);
      return send(res, 201, { name, version: rest[1], integrity });
    }
    if (versions.size === 0)
      return fail(
        res,
        404,
        'not-found',
        `action "${name}" does not exist in this registry`,
        'check the name and its scope',
      );
    if (req.method === 'GET' && rest[0] === 'resolve') {
      const range = url.searchParams.get('range') ?? 'latest';
      const all = [...versions.keys()];
      const version =
        range === 'latest'
          ? semver.rsort(all)[0]
          : range.startsWith('sha512-')
            ? all.find((v) => versions.get(v)?.integrity === range)
            : semver.maxSatisfying(all, range);
      const hit = version ? versions.get(version) : undefined;
      if (!version || !hit)
        return fail(
          res,
          404,
          'no-matching-version',
          `${name}@${range}: nothing matches; available: ${all.join(', ')}`,
          'use an exact version, a range, a dist-tag or sha512-…',
        );
      const warnings = hit.deprecated ? [`${name}@${version} is deprecated: ${hit.deprecated}`] : [];
      return send(res, 200, {
        name,
        version,
        integrity: hit.integrity,
        tarball: `/v1/actions/${name}/-/versions/${version}/tarball`,
        warnings,
        ...(hit.deprecated ? { deprecated: hit.deprecated } : {}),
      });
    }
    if (req.method === 'GET' && rest[0] === 'versions' && rest.length === 1) {
      return send(res, 200, {
        name,
        distTags: { latest: semver.rsort([...versions.keys()])[0] },
        versions: [...versions].map(([version, v]) => ({
          version,
          integrity: v.integrity,
          publishedAt: '2026-01-01T00:00:00Z',
          yanked: false,
        })),
      });
    }
    const hit = rest[1] ? versions.get(rest[1]) : undefined;
    if (!hit) return fail(res, 404, 'version-not-found', `${name}@${rest[1]} does not exist`);
    if (req.method === 'GET' && rest[2] === 'tarball') {
      const bytes = state.tamper ? state.tamper(hit.tarball) : hit.tarball;
      res.writeHead(200, {
        'content-type': 'application/gzip',
        etag: `"${hit.integrity}"`,
        'x-caravan-integrity': hit.integrity,
      });
      res.end(bytes);
      return;
    }
    if (req.method === 'POST' && rest[2] === 'deprecate') {
      const { message } = JSON.parse((await readBody(req)).toString()) as { message: string };
      hit.deprecated = message;
      return send(res, 200, { ok: true });
    }
    fail(res, 404, 'not-found', `no route ${req.method} ${url.pathname}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, 500, 'internal', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A port nothing listens on: bound once, then closed. */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
