/** The images a Dockerfile pulls in (`FROM x`, `COPY --from=x`), each with its line, to name the one at fault. */

export interface ImageRef {
  /** 1-based line number in the Dockerfile. */
  line: number;
  /** The instruction as written, e.g. `FROM busybox`. */
  instruction: string;
  image: string;
}

const FROM = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i;
const COPY_FROM = /^\s*(?:COPY|ADD)\s+.*--from=(\S+)/i;

/**
 * The images outside the build that `text` refers to, in order: build stages named with `AS`,
 * `scratch` and names holding a build argument (`$VAR`) are left out.
 */
export function imageRefs(text: string): ImageRef[] {
  const stages = new Set<string>();
  const refs: ImageRef[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const from = FROM.exec(line);
    const copy = from ? undefined : COPY_FROM.exec(line);
    const image = from?.[1] ?? copy?.[1];
    if (!image) return;
    const external = !stages.has(image.toLowerCase()) && image !== 'scratch' && !image.includes('$');
    if (external && !/^\d+$/.test(image)) refs.push({ line: index + 1, instruction: line.trim(), image });
    if (from?.[2]) stages.add(from[2].toLowerCase());
  });
  return refs;
}
