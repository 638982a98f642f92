// The single executable's main script. The agent bundle and a V8 code cache made by a warm run of it
// (scripts/sea/code-cache.cjs) are assets: Node's own `useCodeCache` holds only the top level, so
// every function the run path calls would be compiled again at each start, a few ms of the budget.
// A rejected cache (another V8) costs only that compile time.
const { getAsset } = require('node:sea');
const { Script } = require('node:vm');
const { wrap } = require('node:module');

let cachedData;
try {
  cachedData = new Uint8Array(getAsset('agent.cache'));
} catch {
  cachedData = undefined;
}
// source and filename exactly as scripts/sea/code-cache.cjs compiles them, or V8 rejects the cache
const script = new Script(wrap(getAsset('agent.cjs', 'utf8')), { filename: 'caravan-agent.cjs', cachedData });
script.runInThisContext()(module.exports, require, module, __filename, __dirname);
