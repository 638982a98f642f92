import type { Scalar } from 'yaml';
import { issueAt } from './issue-at.js';
import { startOf, type BuildIssues } from './yaml-build-issues.js';

/** The value a scalar stands for in a spec: non-finite numbers and other YAML types are reported (and nulled). */
export function scalarValue(node: Scalar, issues: BuildIssues): unknown {
  const at = startOf(node);
  const { file } = issues;
  let value = node.value;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    issues.report(at, (line, col) =>
      issueAt(
        file,
        line,
        col,
        `${node.source ?? String(value)} is read as ${String(value)}, which is not a number a spec can hold`,
        'quote it if it is text, or write a finite number',
      ),
    );
  } else if (
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    /^[-+]?(?:0x[0-9a-f]+|0o[0-7]+|[0-9]+)$/i.test(node.source ?? '')
  ) {
    issues.warn(at, (line, col) =>
      issueAt(
        file,
        line,
        col,
        `${node.source} is beyond 2^53 and is read as ${String(value)}`,
        `quote it to keep every digit: "${node.source}"`,
      ),
    );
  } else if (typeof value === 'symbol') {
    value = value.description ?? '';
  } else if (value !== null && typeof value === 'object') {
    issues.report(at, (line, col) =>
      issueAt(file, line, col, 'this YAML type is not supported in spec files', 'write plain text or a number'),
    );
    value = null;
  }
  return value;
}
