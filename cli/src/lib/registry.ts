/** A client to the configured registry, for the commands that talk to one. */
import { Args } from '@oclif/core';
import { RegistryClient } from '@caravan/registry';
import type { RegistryConfig } from './registry-config.js';

/** Runs `fn` with a client to `config`'s registry, and closes the client after. */
export async function withRegistry<T>(config: RegistryConfig, fn: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = new RegistryClient(config);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** The argument of the lifecycle commands (deprecate, yank, unyank, delete, tag); see `parseVersionRef`. */
export const versionRefArg = Args.string({ required: true, description: 'NAME@VERSION, e.g. acme/lint@1.2.0' });
