/** The files of a new action, by path relative to its folder. */
import { stringify } from 'yaml';
import { nodeIndex } from './node-template.js';
import { type ScaffoldOptions, shortName } from './options.js';
import { dockerfile, shellScript } from './shell-template.js';
import { actionTest } from './test-template.js';

/** The base image an image action starts from; the local one from ENVIRONMENT.md has busybox sh. */
export const DEFAULT_BASE_IMAGE = 'local/base:1';

function runsOf(opts: ScaffoldOptions): Record<string, unknown> {
  switch (opts.runtime) {
    case 'node':
      return { node: 'index.mjs' };
    case 'shell':
      return { command: 'sh', args: ['-c', 'exec sh "$CARAVAN_ACTION_DIR/main.sh"'] };
    case 'image':
      return {
        image: `${opts.name.replace(/^~/, '').replaceAll('/', '-')}:1.0.0`,
        command: 'sh',
        args: ['/action/main.sh'],
      };
  }
}

function testCommand(opts: ScaffoldOptions): string {
  return opts.runtime === 'node'
    ? "process.execPath, join(actionDir, 'index.mjs')"
    : "'sh', join(actionDir, 'main.sh')";
}

export function actionYaml(opts: ScaffoldOptions): string {
  const spec = {
    name: opts.name,
    version: '1.0.0',
    description: opts.description,
    category: 'utility',
    inputs: {
      who: { type: 'string', description: 'Who to greet.', default: 'world' },
      shout: { type: 'boolean', description: 'Print the greeting in capitals.', default: false },
    },
    outputs: { greeting: { type: 'string', description: 'The greeting that was printed.' } },
    runs: runsOf(opts),
  };
  return stringify(spec, { lineWidth: 0 });
}

function readmeIntro(opts: ScaffoldOptions): string {
  const build =
    opts.runtime === 'image' ? '\nBuild its image first: `podman build -t ' + String(runsOf(opts).image) + ' .`\n' : '';
  return `# ${opts.name}

${opts.description}
${build}
## Develop

\`\`\`sh
caravan action run . --with who=Ada      # run it locally under caravan-agent
caravan action test .                    # run its tests (npm test)
caravan action docs . --write            # refresh the generated section below from action.yml
caravan action pack .                    # the tarball and its sha512, without publishing
caravan action publish .                 # publish to the registry you are logged in to
\`\`\`
`;
}

export function scaffoldFiles(opts: ScaffoldOptions): Record<string, string> {
  const files: Record<string, string> = {
    'action.yml': actionYaml(opts),
    'README.md': readmeIntro(opts),
    'package.json': `${JSON.stringify(
      {
        name: shortName(opts.name),
        version: '1.0.0',
        private: true,
        description: opts.description,
        type: 'module',
        scripts: { test: 'node --test test/' },
      },
      null,
      2,
    )}\n`,
    'test/action.test.mjs': actionTest(testCommand(opts)),
    '.caravanignore': '# Not packed by caravan action pack (node_modules and .git never are)\n*.tgz\ntest/\n',
    '.gitignore': 'node_modules/\n*.tgz\n',
  };
  if (opts.runtime === 'node') files['index.mjs'] = nodeIndex;
  else files['main.sh'] = shellScript;
  if (opts.runtime === 'image') files.Dockerfile = dockerfile(DEFAULT_BASE_IMAGE);
  return files;
}
