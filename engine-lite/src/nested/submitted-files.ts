/**
 * A run submitted to `caravan server` with its nested pipeline files (`files` of POST /v1/runs,
 * keyed by their path relative to the top file's folder): they are written under
 * `<data>/pipelines/<sha256 of them all>/`, laid out as they were beside the top file, so nested
 * steps find them there now and after a restart. A path may not leave that folder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { formatIssue, loadNestedPipelines } from '@caravan/spec';
import type { Pipeline, RegisteredPipelineLookup } from '@caravan/spec';
import { ApiError } from '../server/api-error.js';

export class SubmittedFilesError extends Error {}

/** Most nested files one run may bring. */
export const MAX_SUBMITTED_FILES = 50;

/** Where the top file now is (absolute): its nested steps resolve against its folder. */
export function placeSubmittedPipelines(
  dataDir: string,
  topFile: string,
  topText: string,
  files: Record<string, string>,
): string {
  const entries = Object.entries(files);
  if (entries.length > MAX_SUBMITTED_FILES)
    throw new SubmittedFilesError(`"files" holds ${entries.length} files; at most ${MAX_SUBMITTED_FILES}`);
  let ups = 0;
  for (const [path] of entries) {
    const norm = normalize(path);
    if (path === '' || isAbsolute(path) || !/\.ya?ml$/.test(path))
      throw new SubmittedFilesError(
        `"files" key "${path.slice(0, 100)}" must be a relative path to a .yml file, as written in uses:`,
      );
    const leading = norm.split(sep).findIndex((part) => part !== '..');
    ups = Math.max(ups, leading < 0 ? norm.split(sep).length : leading);
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([basename(topFile), topText, entries.sort(([a], [b]) => a.localeCompare(b))]))
    .digest('hex')
    .slice(0, 32);
  const root = join(dataDir, 'pipelines', digest);
  // The top file goes as deep as the deepest `../` needs, so every file lands inside `root`.
  const top = join(root, ...Array.from({ length: ups }, (_, i) => `up${i}`), basename(topFile));
  for (const [path, text] of [[basename(topFile), topText] as const, ...entries]) {
    const target = join(dirname(top), path);
    if (relative(root, target).startsWith('..'))
      throw new SubmittedFilesError(`"files" key "${path.slice(0, 100)}" leaves the pipeline's folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return top;
}

/**
 * A submitted pipeline with nested steps runs from its files placed under the data dir; they and
 * the registered pipelines it names (looked up through `registered`) are checked as lint checks
 * them; the nested pipelines are returned for their declared secrets.
 */
export async function withNestedFiles(
  dataDir: string,
  pipeline: Pipeline,
  text: string,
  files: Record<string, string> = {},
  registered?: RegisteredPipelineLookup,
): Promise<{ pipeline: Pipeline; nested: Pipeline[] }> {
  if (!pipeline.steps.some((s) => s.pipeline || s.registered)) return { pipeline, nested: [] };
  let top = pipeline.file;
  if (pipeline.steps.some((s) => s.pipeline))
    try {
      top = placeSubmittedPipelines(dataDir, pipeline.file, text, files);
    } catch (err) {
      if (!(err instanceof SubmittedFilesError)) throw err;
      throw new ApiError(400, 'invalid-request', err.message, 'send the nested files as caravan run --server does');
    }
  const placed = { ...pipeline, file: top };
  // Without a pipeline store, a registered name is still an error here: nothing could run it.
  const nested = await loadNestedPipelines(placed, { registered: registered ?? (async () => undefined) });
  if (nested.errors.length > 0)
    throw new ApiError(
      400,
      'invalid-pipeline',
      `${pipeline.file}: its nested pipelines are not valid`,
      'send every file its uses: name in "files", and register every pipeline it names (caravan pipelines add)',
      nested.errors.map((e) =>
        formatIssue(e)
          .replaceAll(`${relative(process.cwd(), dirname(top))}/`, '')
          .replaceAll(`${dirname(top)}/`, ''),
      ),
    );
  return { pipeline: placed, nested: nested.pipelines };
}
