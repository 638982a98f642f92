/**
 * `/v1/secrets`: stored secrets over the API. Listing needs a viewer and shows names, levels and
 * dates; setting and removing need an admin. No answer ever carries a value.
 */
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import { ApiError, notFound } from '../server/api-error.js';
import { objectBody, optString } from '../server/request-checks.js';
import { SECRET_NAME, type SecretStore } from './secret-store.js';
import type { RotationResult } from './rotate-key.js';
import { SecretKeyError } from './secret-key.js';

/** A value fits well under the API's body limit. */
export const MAX_SECRET_BYTES = 64 * 1024;

export function registerSecretRoutes(
  app: FastifyInstance,
  stored: SecretStore,
  roles: { viewer: RouteShorthandOptions; admin: RouteShorthandOptions },
  rotateKey?: () => RotationResult,
): void {
  const nameOf = (params: unknown): string => {
    const { name } = params as { name: string };
    if (!SECRET_NAME.test(name))
      throw new ApiError(
        400,
        'invalid-request',
        `secret name "${name.slice(0, 70)}" is invalid`,
        'use letters, digits and _ (not starting with a digit)',
      );
    return name;
  };
  const pipelineOf = (value: unknown): string | undefined => {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || value.length > 200)
      throw new ApiError(
        400,
        'invalid-request',
        '"pipeline" must be a pipeline name of at most 200 characters',
        'leave it out for a server-level secret',
      );
    return value;
  };

  app.get('/v1/secrets', roles.viewer, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return { secrets: stored.list(pipelineOf(q.pipeline)) };
  });

  app.put('/v1/secrets/:name', roles.admin, async (req) => {
    const name = nameOf(req.params);
    const b = objectBody(req.body);
    const value = optString(b, 'value', MAX_SECRET_BYTES);
    if (value === undefined || value === '')
      throw new ApiError(
        400,
        'invalid-request',
        '"value" is required: the secret, a non-empty string',
        'send {"value": "..."}',
      );
    const pipeline = pipelineOf(b.pipeline);
    stored.set(name, value, pipeline);
    return { name, ...(pipeline ? { pipeline } : {}), stored: true };
  });

  app.delete('/v1/secrets/:name', roles.admin, async (req) => {
    const name = nameOf(req.params);
    const pipeline = pipelineOf((req.query as Record<string, unknown>).pipeline);
    if (!stored.remove(name, pipeline))
      throw notFound(
        `no stored secret ${name}${pipeline ? ` for pipeline ${pipeline}` : ' at server level'}`,
        'list them with GET /v1/secrets',
      );
    return { name, ...(pipeline ? { pipeline } : {}), removed: true };
  });

  // The new key never leaves the server: the answer says how many secrets were resealed and where the key is.
  app.post('/v1/secrets/rotate-key', roles.admin, async () => {
    if (!rotateKey) throw new ApiError(404, 'not-found', 'this server cannot rotate its key', 'rotate offline');
    try {
      const { resealed, keySource } = rotateKey();
      return { resealed, keySource };
    } catch (err) {
      if (!(err instanceof SecretKeyError)) throw err;
      throw new ApiError(409, 'cannot-rotate', err.message, 'see docs/engine.md, "Rotating the key"');
    }
  });
}
