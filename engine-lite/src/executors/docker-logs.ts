/**
 * Decodes the body of `GET /containers/{id}/logs` for a container without a TTY: frames of an
 * 8-byte header (stream type, 3 zero bytes, big-endian length) followed by the payload.
 */
export function demuxDockerLogs(body: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const kind = body[offset];
    const size = body.readUInt32BE(offset + 4);
    if (kind === undefined || kind > 2 || body[offset + 1] !== 0 || body[offset + 2] !== 0 || body[offset + 3] !== 0) {
      // Not multiplexed (a TTY container): the body is the raw text.
      return body.toString('utf8');
    }
    parts.push(body.subarray(offset + 8, Math.min(body.length, offset + 8 + size)));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export function lastLines(text: string, count: number): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count);
}
