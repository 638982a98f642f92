// "Compiles" src/*.js into dist/ (drops comment lines), reusing results from .build-cache/ by
// content hash: the directory that the CI example restores and saves with caravan/cache.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
mkdirSync('.build-cache', { recursive: true });
let compiled = 0;
let reused = 0;
for (const file of readdirSync('src')
  .filter((f) => f.endsWith('.js'))
  .sort()) {
  const source = readFileSync(`src/${file}`, 'utf8');
  const cached = `.build-cache/${createHash('sha256').update(source).digest('hex')}.js`;
  if (existsSync(cached)) {
    reused++;
  } else {
    writeFileSync(
      cached,
      source
        .split('\n')
        .filter((l) => !l.trim().startsWith('//'))
        .join('\n'),
    );
    compiled++;
  }
  writeFileSync(`dist/${file}`, readFileSync(cached));
}
writeFileSync('dist/build-info.json', `${JSON.stringify({ compiled, reused }, null, 2)}\n`);
console.log(`built ${compiled + reused} files (${compiled} compiled, ${reused} from the cache)`);
