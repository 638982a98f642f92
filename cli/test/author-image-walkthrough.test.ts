/**
 * The README's "Authoring an image action" walk-through, followed to the end as a new user would type
 * it (with `caravan` on PATH, Podman as the container CLI and its Docker API for the docker executor):
 * agent image → init --runtime image → action test (builds the image, tests in it) → plain podman
 * run → a registry on 127.0.0.1 → publish → `caravan run --executor docker` of a pipeline using it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureAgentImage, ensurePublicBaseImages, podmanEnv } from '../../test/helpers/images.js';
import { dockerHost, hasPodman } from '../../test/services.js';
import { ensureBuilt, root } from './author-helpers.js';
import { freePort, readmeSection, walkthrough, WalkthroughShell } from './walkthrough.js';

vi.setConfig({ testTimeout: 300_000 });

const doc = readmeSection(readFileSync(join(root, 'README.md'), 'utf8'), 'Authoring an image action');
let shell: WalkthroughShell | undefined;

afterAll(async () => {
  await shell?.stop();
});

describe.skipIf(!hasPodman)('the README image walk-through', () => {
  let port: number;
  beforeAll(async () => {
    ensureBuilt();
    ensurePublicBaseImages();
    // the portable agent the image is built from: dist/agent-portable when current, else one built aside
    const { portableDir } = ensureAgentImage();
    const work = mkdtempSync(join(tmpdir(), 'caravan-image-walkthrough-'));
    shell = new WalkthroughShell(work, {
      CONTAINERS_CONF: podmanEnv().CONTAINERS_CONF ?? '',
      CARAVAN_AGENT_DIR: portableDir,
      CARAVAN_HOME: join(work, 'home'),
      CI: '1',
      NO_COLOR: '1',
      CARAVAN_REGISTRY: '',
      CARAVAN_TOKEN: '',
      CARAVAN_REGISTRY_TOKEN: '',
    });
    port = await freePort();
  });

  it('works as written: build, test, publish, run in a pipeline with --executor docker', async () => {
    const outputs = new Map<string, string>();
    for (const step of walkthrough(doc)) {
      if (step.kind === 'file') {
        shell!.saveFile(step.name, step.text);
        continue;
      }
      const line = step.line.replaceAll('4873', String(port)).replace('unix:///run/podman/podman.sock', dockerHost);
      outputs.set(step.line, await shell!.run(line));
    }
    const get = (prefix: string) => [...outputs.entries()].find(([l]) => l.startsWith(prefix))?.[1] ?? '';
    expect(get('caravan action test')).toMatch(/# pass 3/);
    expect(get('podman run')).toContain('Hello, Ada!');
    expect(get('caravan action publish')).toMatch(/published acme\/greet-image@1\.0\.0/);
    const run = get('DOCKER_HOST=');
    expect(run).toMatch(/step greet success/);
    expect(run).toMatch(/step check success/);
    expect(run).toMatch(/run \S+ success/);
  });
});
