/** Prints `Error: message` on stderr, unwrapped (oclif's own errors wrap at 80 columns), and exits. */
import type { Command } from '@oclif/core';

export function failCommand(command: Command, message: string, exitCode: number): never {
  process.stderr.write(`Error: ${message}\n`);
  return command.exit(exitCode);
}
