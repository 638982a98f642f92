/**
 * A failed-only rerun takes over the old run's succeeded steps (status, outputs, files, exports) in
 * the new run's own write: an engine killed right after storing the rerun, then resumed, runs
 * only the steps that had not succeeded. Real agents and processes, on SQLite and PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinActionsDir, DefaultActionResolver } from '../src/actions/resolver.js';
import { Engine } from '../src/engine.js';
import { rerun } from '../src/rerun.js';
import type { EngineStore } from '../src/store/types.js';
import { agentBundle } from './helpers/agent.js';
import { Crash, CrashSwitch, crashingStore } from './helpers/crash.js';
import { crashStores } from './helpers/crash-stores.js';
import { makePipeline } from './helpers/pipeline.js';

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

for (const kind of crashStores('engine_rerun_crash')) {
  describe.skipIf(kind.skip)(`a failed-only rerun killed right after it was stored (${kind.name})`, () => {
    it('runs only the steps that had not succeeded, with the outputs and files of those that had', async () => {
      const home = mkdtempSync(join(tmpdir(), 'caravan-rerun-crash-'));
      homes.push(home);
      const markers = join(home, 'markers');
      const { store, drop } = await kind.open(home);
      const options = (s: EngineStore) => ({
        store: s,
        home,
        agentPath: agentBundle(),
        resolver: new DefaultActionResolver(builtinActionsDir()),
        graceSeconds: 1,
      });
      const pipeline = makePipeline([
        {
          id: 'make',
          uses: 'caravan/shell@^1',
          with: {
            run: [
              `mkdir -p ${markers} && echo run >> ${markers}/make`,
              'mkdir -p out && echo payload > out/f.txt',
              'echo "v=42" >> "$CARAVAN_OUTPUT"',
            ].join('\n'),
          },
          files: [{ name: 'f', path: 'out/f.txt' }],
        },
        {
          id: 'use',
          uses: 'caravan/shell@^1',
          needs: ['make'],
          with: {
            run: [
              `echo run >> ${markers}/use`,
              `test -e ${markers}/fixed`,
              'test "$(cat "${{ steps.make.files.f }}")" = payload',
              'echo "got=${{ steps.make.outputs.v }}" >> "$CARAVAN_OUTPUT"',
            ].join('\n'),
          },
        },
      ]);
      try {
        const engine = await Engine.start(options(store));
        const failed = await engine.createRun({ pipeline, source: '' });
        expect(await engine.execute(failed.id)).toBe('failed');
        await engine.close();
        writeFileSync(join(markers, 'fixed'), '');

        // Killed at the first write after the rerun was stored (its run.created event).
        const sw = new CrashSwitch({ write: (method) => method === 'addEvent' });
        const dying = await Engine.start(options(crashingStore(store, sw)));
        await expect(rerun(dying, failed.id, { failedOnly: true })).rejects.toBeInstanceOf(Crash);
        await dying.close();

        const again = (await store.listRuns(10)).find((r) => r.id !== failed.id)!;
        expect(again, 'the rerun was stored').toBeDefined();
        const fresh = await Engine.start(options(store));
        try {
          expect(await fresh.resume(again.id)).toBe('success');
        } finally {
          await fresh.close();
        }
        const steps = Object.fromEntries((await store.getSteps(again.id)).map((s) => [s.stepId, s]));
        expect(steps.make).toMatchObject({ status: 'success', outputs: { v: '42' } });
        expect(steps.use).toMatchObject({ status: 'success', outputs: { got: '42' } });
        expect(readFileSync(join(markers, 'make'), 'utf8')).toBe('run\n');
        expect(readFileSync(join(markers, 'use'), 'utf8')).toBe('run\nrun\n');
        expect((await store.getFiles(again.id)).map((f) => `${f.stepId}/${f.name}`)).toEqual(['make/f']);
      } finally {
        await drop();
      }
    });
  });
}
