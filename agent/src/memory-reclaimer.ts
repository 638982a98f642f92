type Gc = (options?: { type: 'minor' | 'major' }) => void;

/**
 * Output chunks are Buffers outside the V8 heap, which V8 collects late: piping 100 MB through
 * Node grows the RSS by ~40 MB before a GC runs. A young-generation GC every few MB keeps the
 * agent's memory flat at a cost of well under a millisecond each. The GC handle is fetched on
 * first need: loading node:v8 and node:vm and making a context costs a quiet action's start-up.
 */
export function memoryReclaimer(everyBytes = 4 * 1024 * 1024): (bytes: number) => void {
  let gc: Gc | null | undefined;
  let since = 0;
  const load = async () => {
    try {
      const [{ setFlagsFromString }, { runInNewContext }] = await Promise.all([import('node:v8'), import('node:vm')]);
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  };
  return (bytes) => {
    since += bytes;
    if (since < everyBytes) return;
    since = 0;
    if (gc === undefined) {
      gc = null;
      void load();
    }
    gc?.({ type: 'minor' });
  };
}
