/**
 * What a route accepts, checked in `onRequest`, before fastify reads or parses a byte of the body:
 * the query parameters it knows (each once, each value strict), whether it takes a body, of which
 * media type and how large. So a publish sent as JSON is a 415 rather than a JSON parse error, a
 * 10 GB Content-Length is a 413, and a client that sent `Expect: 100-continue` gets that answer
 * instead of `100 Continue` (see expect-continue.ts). The rules are in query-rules.ts and
 * body-rules.ts.
 */
import type { onRequestHookHandler } from 'fastify';
import { checkBody, type BodyKind } from './body-rules.js';
import { checkQuery, type QueryRule } from './query-rules.js';

export interface RouteContract {
  body: BodyKind;
  /** The query parameters the route knows; any other is a 400. */
  query?: Record<string, QueryRule>;
}

/** The onRequest hook that enforces a route's contract. */
export function contractHook(contract: RouteContract): onRequestHookHandler {
  return async (req) => {
    checkQuery(req.url, contract.query ?? {});
    checkBody(req, contract.body);
  };
}
