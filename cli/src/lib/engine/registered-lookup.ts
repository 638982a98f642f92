/** Registered pipelines read from `caravan server`, for checking nested steps that name one (`uses: deploy`). */
import type { RegisteredPipelineLookup, RegisteredPipelineSource } from '@caravan/spec';
import type { ServerClient } from './server-client.js';

export function registeredLookup(client: ServerClient): RegisteredPipelineLookup {
  return (name) => client.jsonOrMissing<RegisteredPipelineSource>('GET', `/v1/pipelines/${encodeURIComponent(name)}`);
}
