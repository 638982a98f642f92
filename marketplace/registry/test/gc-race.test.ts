/**
 * `caravan registry gc` beside publishes: every interleaving of a collection's steps with a
 * publish's, forced by holding each side at a checkpoint (not by lowering the odds of a race).
 * Whatever the order, a version whose publish answered 201 keeps its bytes.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { addUser, grant } from '../src/admin.js';
import type { BlobStore } from '../src/blobs.js';
import { collectGarbage, type GcCheckpoint, type GcResult } from '../src/gc.js';
import { openBlobs, openStore } from '../src/open.js';
import { Registry, type PublishCheckpoint } from '../src/registry.js';
import type { RegistryStore } from '../src/store/types.js';
import { actionTarball, cleanup, storeFactories, tempDir } from './helpers.js';

type Point = GcCheckpoint | PublishCheckpoint;

/** Holds whoever reaches `point` until released; `reached` resolves when someone is held there. */
class Hold {
  private release!: () => void;
  private readonly released = new Promise<void>((r) => (this.release = r));
  private arrive!: () => void;
  readonly reached = new Promise<void>((r) => (this.arrive = r));

  constructor(readonly point: Point) {}

  async at(point: Point): Promise<void> {
    if (point !== this.point) return;
    this.arrive();
    await this.released;
  }

  let(): void {
    this.release();
  }
}

interface Interleaving {
  name: string;
  /** Drives one collection and one publish; returns when both are done. */
  run(gc: (hold?: Hold) => Promise<GcResult>, publish: (hold?: Hold) => Promise<unknown>): Promise<void>;
}

const interleavings: Interleaving[] = [
  {
    name: 'gc finds the new blob unused, the publish commits and answers, then gc goes on (the reported race)',
    async run(gc, publish) {
      const written = new Hold('publish.blob-written');
      const unused = new Hold('gc.unused');
      const publishing = publish(written);
      await written.reached;
      const collecting = gc(unused);
      await unused.reached;
      written.let();
      await publishing;
      unused.let();
      await collecting;
    },
  },
  {
    name: 'gc has moved the blob to the trash when the publish commits and answers',
    async run(gc, publish) {
      const written = new Hold('publish.blob-written');
      const trashed = new Hold('gc.trashed');
      const publishing = publish(written);
      await written.reached;
      const collecting = gc(trashed);
      await trashed.reached;
      written.let();
      await publishing;
      trashed.let();
      await collecting;
    },
  },
  {
    name: 'gc removes the blob before the publish commits',
    async run(gc, publish) {
      const written = new Hold('publish.blob-written');
      const publishing = publish(written);
      await written.reached;
      await gc();
      written.let();
      await publishing;
    },
  },
  {
    name: 'gc trashes the blob, the publish commits, gc decides before the publish looks for its blob',
    async run(gc, publish) {
      const written = new Hold('publish.blob-written');
      const committed = new Hold('publish.committed');
      const trashed = new Hold('gc.trashed');
      let step: Hold = written;
      const publishing = publish({ at: (p: Point) => step.at(p) } as Hold);
      await written.reached;
      const collecting = gc(trashed);
      await trashed.reached;
      step = committed;
      written.let();
      await committed.reached;
      trashed.let();
      await collecting;
      committed.let();
      await publishing;
    },
  },
  {
    name: 'gc runs whole between the commit and the publish looking for its blob',
    async run(gc, publish) {
      const committed = new Hold('publish.committed');
      const publishing = publish(committed);
      await committed.reached;
      await gc();
      committed.let();
      await publishing;
    },
  },
];

for (const factory of storeFactories) {
  describe.skipIf(!factory.available)(`gc beside publish (${factory.kind})`, () => {
    let opts: ReturnType<typeof factory.options> | undefined;
    let store: RegistryStore | undefined;
    afterEach(async () => {
      await store?.close();
      if (opts) await cleanup(opts);
      store = undefined;
      opts = undefined;
    });

    async function setUp(): Promise<{ blobs: BlobStore; token: string }> {
      opts = factory.options(tempDir());
      store = await openStore(opts);
      const { token } = await addUser(store, 'alice', false);
      await grant(store, 'alice', 'acme', 'owner');
      return { blobs: openBlobs(opts.dataDir), token };
    }

    it.each(interleavings)('$name', async ({ run }) => {
      const { blobs, token } = await setUp();
      const s = store!;
      let publishHold: Hold | undefined;
      const registry = new Registry({ store: s, blobs, checkpoint: (p) => publishHold?.at(p) ?? Promise.resolve() });
      const principal = await registry.principal(`Bearer ${token}`);
      const bytes = await actionTarball('acme/racy', '1.0.0');
      let gcResult: GcResult | undefined;
      await run(
        async (hold) => {
          gcResult = await collectGarbage(s, blobs, {
            minAgeMs: 0,
            checkpoint: (p) => hold?.at(p) ?? Promise.resolve(),
          });
          return gcResult;
        },
        async (hold) => {
          publishHold = hold;
          return registry.publish(principal, 'acme/racy', '1.0.0', bytes, undefined);
        },
      );
      const version = await s.getVersion('acme/racy', '1.0.0');
      expect(version).toBeDefined();
      expect(existsSync(blobs.pathOf(version!.sha256))).toBe(true);
      expect((await blobs.get(version!.sha256)).equals(bytes)).toBe(true);
      expect(gcResult).toBeDefined();
      // and a later collection keeps it: it is in use
      expect((await collectGarbage(s, blobs, { minAgeMs: 0 })).removed).toEqual([]);
      expect(existsSync(blobs.pathOf(version!.sha256))).toBe(true);
    });

    it('serves a live version from the trash while a collection holds it there', async () => {
      const { blobs, token } = await setUp();
      const s = store!;
      const written = new Hold('publish.blob-written');
      const registry = new Registry({ store: s, blobs, checkpoint: (p) => written.at(p) });
      const principal = await registry.principal(`Bearer ${token}`);
      const bytes = await actionTarball('acme/racy', '1.0.0');
      const publishing = registry.publish(principal, 'acme/racy', '1.0.0', bytes, undefined);
      await written.reached;
      const unused = new Hold('gc.unused');
      const trashed = new Hold('gc.trashed');
      const collecting = collectGarbage(s, blobs, {
        minAgeMs: 0,
        checkpoint: async (p) => {
          await unused.at(p);
          await trashed.at(p);
        },
      });
      await unused.reached;
      written.let();
      await publishing;
      unused.let();
      await trashed.reached;
      const sha = (await s.getVersion('acme/racy', '1.0.0'))!.sha256;
      expect(existsSync(blobs.pathOf(sha))).toBe(false);
      expect((await blobs.get(sha)).equals(bytes)).toBe(true);
      trashed.let();
      expect((await collecting).removed).toEqual([]);
      expect(existsSync(blobs.pathOf(sha))).toBe(true);
    });
  });
}
