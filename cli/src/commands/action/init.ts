import { relative } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { ActionLoadError } from '../../lib/author/load-action.js';
import { CaravanCommand, UsageError } from '../../lib/base-command.js';
import {
  checkActionName,
  type Language,
  LANGUAGES,
  RUNTIMES,
  type Runtime,
  shortName,
} from '../../lib/scaffold/options.js';
import { scaffoldAction } from '../../lib/scaffold/scaffold.js';

export default class ActionInit extends CaravanCommand {
  static override description =
    'Scaffold a working action: action.yml, an implementation, a README and a test that runs it under caravan-agent';

  static override examples = [
    '<%= config.bin %> action init acme/greet',
    '<%= config.bin %> action init acme/greet --runtime shell --dir ./greet --description "Greets someone" --yes',
    '<%= config.bin %> action init acme/greet --runtime image --language node --yes',
  ];

  static override args = {
    name: Args.string({ description: 'the action name: scope/name, org/project/name or ~user/name' }),
  };

  static override flags = {
    runtime: Flags.string({ description: 'how the action runs', options: [...RUNTIMES] }),
    language: Flags.string({
      description: 'for --runtime image: a sh script on busybox, or JavaScript on node (default sh)',
      options: [...LANGUAGES],
    }),
    dir: Flags.string({ description: 'folder to create (default: the last part of the name)' }),
    description: Flags.string({ description: 'one sentence for the marketplace' }),
    yes: Flags.boolean({ char: 'y', description: 'never ask: take the defaults for anything not given' }),
  };

  /** The files it wrote do not make a valid action: a fault of the template, not of what was given. */
  protected override errorKind(err: unknown) {
    return err instanceof ActionLoadError ? ('failed' as const) : undefined;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionInit);
    const interactive = !flags.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
    const prompts = interactive ? await import('@inquirer/prompts') : undefined;

    let name = args.name;
    if (!name && prompts)
      name = await prompts.input({ message: 'Action name (scope/name)', validate: (v) => checkActionName(v) ?? true });
    if (!name) throw new UsageError('give the action name: caravan action init scope/name (e.g. acme/greet)');
    const problem = checkActionName(name);
    if (problem) throw new UsageError(problem);

    let runtime = flags.runtime as Runtime | undefined;
    if (!runtime && prompts) {
      runtime = await prompts.select<Runtime>({
        message: 'Runtime',
        choices: [
          { value: 'node', name: 'node — a JavaScript file run by Node.js (no build step)' },
          { value: 'shell', name: 'shell — a POSIX sh script' },
          { value: 'image', name: 'image — a container image with its own tools' },
        ],
      });
    }
    let language = flags.language as Language | undefined;
    if (language && (runtime ?? 'node') !== 'image')
      throw new UsageError(
        `--language is for --runtime image (a ${runtime ?? 'node'} action is written in ${runtime === 'shell' ? 'sh' : 'JavaScript'}): drop it, or add --runtime image`,
      );
    if (!language && runtime === 'image' && prompts) {
      language = await prompts.select<Language>({
        message: 'Language',
        choices: [
          { value: 'sh', name: 'sh — a POSIX sh script on busybox' },
          { value: 'node', name: 'node — a JavaScript file on node:20' },
        ],
      });
    }
    let description = flags.description;
    if (description === undefined && prompts)
      description = await prompts.input({ message: 'Description', default: 'Greets someone.' });

    const { dir, files } = await scaffoldAction({
      name,
      runtime: runtime ?? 'node',
      ...(language ? { language } : {}),
      description: description ?? 'Greets someone.',
      dir: flags.dir ?? shortName(name),
    });
    const shown = relative(process.cwd(), dir) || '.';
    this.log(`Created ${name} in ${shown}:`);
    for (const f of files) this.log(`  ${f}`);
    this.log('');
    this.log('Next:');
    this.log(`  cd ${shown} && npm install`);
    if (runtime === 'image')
      this.log('  caravan action test          # builds its image and runs its tests in it, under the embedded agent');
    else this.log('  caravan action test          # runs its tests under caravan-agent');
    this.log('  caravan action run --with who=Ada');
  }
}
