/**
 * The parts of Caravan talk through their package entries only, in one direction:
 * spec ← agent, registry, actions; engine ← spec, registry (client), agent (masker); cli ← all;
 * nothing imports cli. A part's files reach another part only as `@caravan/<name>`, never by a
 * relative path into its folder or a path below its entry. Tests may also use another part's
 * test helpers (`<part>/test/**`); files outside the parts (bench, scripts, root test) are free.
 */
import { dirname, relative, resolve, sep } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

export const PARTS = [
  { dir: 'spec', pkg: '@caravan/spec', may: [] },
  { dir: 'agent', pkg: '@caravan/agent', may: ['@caravan/spec'] },
  { dir: 'marketplace/registry', pkg: '@caravan/registry', may: ['@caravan/spec'] },
  { dir: 'marketplace/actions', pkg: '@caravan/actions', may: ['@caravan/spec'] },
  { dir: 'engine-lite', pkg: '@caravan/engine', may: ['@caravan/spec', '@caravan/registry', '@caravan/agent'] },
  {
    dir: 'cli',
    pkg: '@caravan/cli',
    may: ['@caravan/spec', '@caravan/agent', '@caravan/registry', '@caravan/actions', '@caravan/engine'],
  },
];

const DIRECTION = 'spec ← agent, registry, actions ← engine ← cli (see docs/architecture.md)';

function partAt(absPath) {
  const rel = relative(ROOT, absPath).split(sep).join('/');
  const part = PARTS.find((p) => rel === p.dir || rel.startsWith(`${p.dir}/`));
  return part && { ...part, inner: rel.slice(part.dir.length + 1) };
}

const isTestFile = (inner) =>
  inner.startsWith('test/') || inner.includes('.test.') || inner.endsWith('test-helpers.ts');

export default {
  meta: {
    type: 'problem',
    docs: { description: 'parts import each other only through their package entry, in the allowed direction' },
    schema: [],
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const own = partAt(file);
    if (!own) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      const pkgMatch = /^(@caravan\/[a-z-]+)(\/.*)?$/.exec(source);
      if (pkgMatch) {
        const [, pkg, deep] = pkgMatch;
        if (pkg === own.pkg) {
          context.report({ node, message: `${own.pkg} imports its own files by relative path, not as "${source}"` });
        } else if (!own.may.includes(pkg)) {
          context.report({ node, message: `${own.pkg} may not import ${pkg}: dependencies go ${DIRECTION}` });
        } else if (deep) {
          context.report({
            node,
            message: `import "${pkg}" itself: each part has one public entry (add what you need to it)`,
          });
        }
        return;
      }
      if (!source.startsWith('.')) return;
      const target = partAt(resolve(dirname(file), source));
      if (!target || target.dir === own.dir) return;
      if (isTestFile(own.inner) && target.inner.startsWith('test/')) return;
      const how = own.may.includes(target.pkg)
        ? `import "${target.pkg}" instead`
        : `${own.pkg} may not import ${target.pkg} at all: dependencies go ${DIRECTION}`;
      context.report({ node, message: `"${source}" reaches into the files of ${target.pkg}; ${how}` });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
