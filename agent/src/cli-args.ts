/** `caravan-agent run [--context FILE] [--report FILE] -- CMD [ARGS...]`, parsed by hand to start fast. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; contextFile?: string; reportFile?: string; command: string; args: string[] };

export class UsageError extends Error {}

export const USAGE = `Usage: caravan-agent run [--context FILE] [--report FILE] -- CMD [ARGS...]

Runs CMD as a Caravan action: secrets masked in its output, outputs and workflow commands parsed,
files watched, everything reported to the engine (or to --report FILE when standalone). With no
context at all (as under a plain \`docker run\` of an image that embeds the agent), the report is
printed on stderr at the end.

Options:
  --context FILE   the task context (JSON); default: env CARAVAN_CONTEXT (inline JSON or a path)
  --report FILE    write the final report (JSON) to FILE, always, even when the action is killed;
                   \`-\` prints it on stdout after the action's output
  -h, --help       show this help
  --version        show the agent's version

Exit code: the action's own (128+n when signal n ended it; 127 command not found, 126 not
executable, 2 usage or context error).`;

export function parseArgs(argv: string[]): CliCommand {
  if (argv.length === 0) throw new UsageError('missing the subcommand "run"');
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === 'help') return { kind: 'help' };
  if (sub === '--version' || sub === 'version') return { kind: 'version' };
  if (sub !== 'run') throw new UsageError(`unknown subcommand "${sub}"; the only one is "run"`);
  let contextFile: string | undefined;
  let reportFile: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') {
      const [command, ...args] = rest.slice(i + 1);
      if (command === undefined || command === '') throw new UsageError('missing the command after "--"');
      return { kind: 'run', contextFile, reportFile, command, args };
    }
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (flag === '--context' || flag === '--report') {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`${flag} needs a file path`);
      if (flag === '--context') contextFile = value;
      else reportFile = value;
      continue;
    }
    if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
    throw new UsageError(`unexpected "${arg}": put the command after "--" (caravan-agent run -- ${arg} ...)`);
  }
  throw new UsageError('missing "--" and the command to run');
}
