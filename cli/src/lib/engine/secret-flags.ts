/** What the `caravan secrets` commands share: the level flag, the local store, reading a value. */
import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { caravanHome, SecretStore } from '@caravan/engine';
import { UsageError } from '../base-command.js';

export const pipelineFlag = {
  pipeline: Flags.string({
    char: 'P',
    description: 'the pipeline (its name:) this secret belongs to; without it, a server-level secret',
  }),
};

export const dataFlag = {
  data: Flags.string({ description: 'the data dir holding the stored secrets (default $CARAVAN_HOME)' }),
};

export function openLocalSecrets(data: string | undefined): SecretStore {
  return new SecretStore(data ?? caravanHome());
}

/** The value from a file or stdin, one trailing newline dropped; never from an argument (shell history). */
export async function readSecretValue(fromFile: string | undefined): Promise<string> {
  let text: string;
  if (fromFile !== undefined) {
    try {
      text = readFileSync(fromFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${fromFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else {
    if (process.stdin.isTTY)
      throw new UsageError('the secret value is read from stdin or --from-file', {
        hint: 'pipe it in, e.g. printf %s "$TOKEN" | caravan secrets set NAME',
      });
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '')
    throw new UsageError(`the secret value ${fromFile !== undefined ? `in ${fromFile}` : 'on stdin'} is empty`, {
      hint: 'give the value itself; remove a secret with caravan secrets remove NAME',
    });
  return value;
}
