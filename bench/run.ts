/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line, e.g.
 * `npm run bench -- mask`) and prints each figure beside its same-run baseline.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatRow, type Bench } from './lib.js';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

let unmet = 0;
for (const file of files) {
  const bench = (await import(pathToFileURL(join(dir, file)).href)).default as Bench;
  console.log(`\n## ${bench.title}`);
  for (const row of await bench.run()) {
    console.log(formatRow(row));
    if (!row.met) unmet++;
  }
}
console.log(`\n${unmet === 0 ? 'all goals met' : `${unmet} goal(s) not met`}`);
