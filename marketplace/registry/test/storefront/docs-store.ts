/** A small, realistic marketplace for the docs' screenshots: actions at each kind of scope, with READMEs. */
import { grant } from '../../src/admin.js';
import { buildTarball, json, publish } from '../helpers.js';
import type { StorefrontServer } from './storefront-server.js';

interface DocAction {
  name: string;
  versions: string[];
  description: string;
  category: string;
  spec: string;
  readme: string;
  by: 'root' | 'alice';
}

const CHECKOUT_SPEC = `inputs:
  repository: { type: string, required: true, description: URL of the repository }
  ref: { type: string, default: main, description: 'Branch, tag or commit' }
  depth: { type: number, default: 1, description: History depth; 0 for all of it }
  token: { type: string, secret: true, description: Token for private repositories }
  mode: { type: string, enum: [full, sparse], default: full, description: What to check out }
outputs:
  commit: { type: string, description: The commit checked out }
runs:
  command: caravan-checkout
`;

const CHECKOUT_README = `# checkout

Checks out a Git repository into the step's workspace, at a branch, tag or commit.

## Example

\`\`\`yaml
- uses: caravan/checkout@^2
  with:
    repository: https://git.example.com/acme/app.git
    ref: release/2.4
\`\`\`

Shallow by default (\`depth: 1\`); set \`depth: 0\` for tags and history. See
[the guide](https://docs.example.com/checkout) for submodules and sparse checkouts.
`;

const ACTIONS: DocAction[] = [
  {
    name: 'caravan/checkout',
    versions: ['1.0.0', '1.1.0', '2.0.0', '2.1.0'],
    description: 'Check out a Git repository at a branch, tag or commit',
    category: 'source',
    spec: CHECKOUT_SPEC,
    readme: CHECKOUT_README,
    by: 'root',
  },
  ...(
    [
      ['caravan/shell', 'Run a shell script in the step workspace', 'build'],
      ['caravan/cache', 'Save and restore folders between runs, keyed by file hashes', 'build'],
      ['caravan/upload-artifact', 'Keep files from a step for later steps and for download', 'artifacts'],
      ['acme/lint', 'Lint TypeScript and YAML with the acme house rules', 'quality'],
      ['acme/payments/migrate', 'Apply database migrations of the payments service', 'delivery'],
      ['acme/deploy-k8s', 'Roll out an image to a Kubernetes namespace and wait for it', 'delivery'],
    ] as const
  ).map(([name, description, category]) => ({
    name,
    versions: ['1.0.0', '1.2.0'],
    description,
    category,
    spec: 'runs:\n  command: run\n',
    readme: `# ${name}\n\n${description}.`,
    by: name.startsWith('caravan/') ? ('root' as const) : ('alice' as const),
  })),
];

export async function seedDocsStore(s: StorefrontServer): Promise<void> {
  await grant(s.store, '*', 'acme', 'reader');
  for (const a of ACTIONS) {
    for (const version of a.versions) {
      const yml = `name: ${a.name}\nversion: ${version}\ndescription: ${a.description}\ncategory: ${a.category}\n${a.spec}`;
      const body = await buildTarball([
        { name: 'action.yml', content: yml },
        { name: 'README.md', content: a.readme },
      ]);
      const res = await publish(s.url, s.tokens[a.by], a.name, version, body);
      if (res.status !== 201) throw new Error(`seed ${a.name}@${version}: ${res.status} ${await res.text()}`);
    }
  }
  await json(s.url, s.tokens['root'], 'POST', '/v1/actions/caravan/checkout/-/versions/1.1.0/deprecate', {
    message: 'use 2.x: 1.1 fetches tags it does not need',
  });
  // Resolutions make "most used"; the registry writes its counts every few seconds, here at once.
  for (const [name, times] of [
    ['caravan/checkout', 5],
    ['caravan/cache', 3],
    ['acme/lint', 2],
  ] as const)
    for (let i = 0; i < times; i++)
      await json(s.url, s.tokens['root'], 'GET', `/v1/actions/${name}/-/resolve?range=^1`);
  await s.registry.resolutions.flush();
}
