// node code-cache.cjs BUNDLE OUT: runs BUNDLE as the single executable's loader does, on a small
// action that prints, sets outputs and masks a secret, and at its exit writes the V8 code cache of
// everything that ran to OUT. It must run on the node binary the executable is made from.
const { readFileSync, writeFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { Script } = require('node:vm');

const [bundle, out] = process.argv.slice(2);
const source = wrap(readFileSync(bundle, 'utf8'));
// source and filename exactly as scripts/sea/loader.cjs compiles them, or V8 rejects the cache
const script = new Script(source, { filename: 'caravan-agent.cjs' });
const exit = process.exit;
process.exit = (code) => {
  const cache = script.createCachedData();
  const check = new Script(source, { filename: 'caravan-agent.cjs', cachedData: cache });
  if (check.cachedDataRejected) {
    process.stderr.write('sea: V8 rejected the code cache it just made\n');
    exit.call(process, 1);
  }
  writeFileSync(out, cache);
  exit.call(process, code === 0 ? 0 : 1);
};
process.env.CARAVAN_CONTEXT = JSON.stringify({ secrets: { WARM_SECRET: 'warm-up-secret-value' } });
const action =
  'echo "warm-up-secret-value"; echo "::set-output name=a::1"; echo "::add-mask::other"; echo b=2 >> "$CARAVAN_OUTPUT"; echo oops >&2';
process.argv = [process.execPath, process.execPath, 'run', '--', 'sh', '-c', action];
script.runInThisContext()(module.exports, require, module, __filename, __dirname);
