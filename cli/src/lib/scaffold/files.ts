/** The files of a new action, by path relative to its folder. */
import { stringify } from 'yaml';
import { dockerfile, imageEntryFile, imageRuns } from './image-template.js';
import { nodeIndex } from './node-template.js';
import { type ScaffoldOptions, shortName } from './options.js';
import { shellScript } from './shell-template.js';
import { actionTest, hostRunner, imageRunner } from './test-template.js';

function runsOf(opts: ScaffoldOptions): Record<string, unknown> {
  switch (opts.runtime) {
    case 'node':
      return { node: 'index.mjs' };
    case 'shell':
      return { command: 'sh', args: ['-c', 'exec sh "$CARAVAN_ACTION_DIR/main.sh"'] };
    case 'image':
      return imageRuns(opts);
  }
}

function testRunner(opts: ScaffoldOptions): string {
  switch (opts.runtime) {
    case 'node':
      return hostRunner("process.execPath, join(actionDir, 'index.mjs')");
    case 'shell':
      return hostRunner("'sh', join(actionDir, 'main.sh')");
    case 'image': {
      const { image, command, args } = imageRuns(opts);
      return imageRunner(image, [command, ...args]);
    }
  }
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
    opts.runtime === 'image'
      ? `\nIt runs in its own image (\`Dockerfile\`), with the caravan agent embedded. \`caravan action test\` builds it;
by hand: \`caravan agent image && podman build -t ${String(runsOf(opts).image)} .\`. The image also runs on its own:
\`podman run --rm -e INPUT_WHO=Ada ${String(runsOf(opts).image)}\`.
`
      : '';
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
    'test/action.test.mjs': actionTest(testRunner(opts)),
    '.caravanignore': '# Not packed by caravan action pack (node_modules and .git never are)\n*.tgz\ntest/\n',
    '.gitignore': 'node_modules/\n*.tgz\n',
  };
  const entry = opts.runtime === 'image' ? imageEntryFile(opts) : opts.runtime === 'node' ? 'index.mjs' : 'main.sh';
  files[entry] = entry === 'index.mjs' ? nodeIndex : shellScript;
  if (opts.runtime === 'image') files.Dockerfile = dockerfile(opts);
  return files;
}
