/**
 * The action's files for a pod: packed into a ConfigMap (binaryData, one key per file, mapped back
 * to their relative paths by the volume's `items`), mounted read-only at /caravan/action.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** A ConfigMap holds at most 1 MiB; keep room for metadata. */
export const MAX_ACTION_BYTES = 900 * 1024;

export interface ActionFiles {
  binaryData: Record<string, string>;
  items: { key: string; path: string; mode: number }[];
  bytes: number;
}

export async function readActionFiles(dir: string, limit = MAX_ACTION_BYTES): Promise<ActionFiles> {
  const files: ActionFiles = { binaryData: {}, items: [], bytes: 0 };
  const root = await stat(dir).catch(() => undefined);
  if (!root?.isDirectory())
    throw new Error(
      `the action folder ${dir} does not exist on the engine's host; it is shipped to the pod from there`,
    );
  const walk = async (folder: string): Promise<void> => {
    for (const name of (await readdir(folder)).sort()) {
      const path = join(folder, name);
      const info = await stat(path);
      if (info.isDirectory()) {
        await walk(path);
      } else if (info.isFile()) {
        files.bytes += info.size;
        if (files.bytes > limit) {
          throw new Error(
            `the action folder ${dir} holds more than ${limit} bytes, too much for a ConfigMap: ` +
              'give the k8s executor an actionVolume that holds the action, or build an image that contains it',
          );
        }
        const key = `f${files.items.length}`;
        files.binaryData[key] = (await readFile(path)).toString('base64');
        files.items.push({ key, path: relative(dir, path), mode: info.mode & 0o111 ? 0o555 : 0o444 });
      }
    }
  };
  await walk(dir);
  return files;
}
