/** One 512-byte tar header, decoded the way the strictest common readers decode it. */
import { TarballError } from './tarball-error.js';

export const BLOCK = 512;

export const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface RawHeader {
  name: string;
  linkname: string;
  typeflag: string;
  size: number;
  mode: number;
}

/** Where a header starts and how to make a better archive, for error messages. */
export interface Place {
  at: number;
  remedy: string;
}

export function headerError(place: Place, detail: string): TarballError {
  return new TarballError('corrupt', `invalid tar header at byte ${place.at}: ${detail}; ${place.remedy}`);
}

const OCTAL = /^ *([0-7]*)[ \0]*$/;

/**
 * A numeric field as every reader would parse it: spaces, octal digits, then only NULs and
 * spaces. tar-stream stops at the first bad character where GNU tar and Python fail, so
 * anything looser is refused. Base-256 is accepted only where the value is ignored.
 */
function numeric(block: Buffer, offset: number, length: number, field: string, at: Place, base256 = false): number {
  const raw = block.subarray(offset, offset + length);
  if ((raw[0] as number) & 0x80) {
    if (base256 && (raw[0] === 0x80 || raw[0] === 0xff)) return 0;
    throw headerError(at, `the ${field} field is in base-256, which is not accepted there`);
  }
  const m = OCTAL.exec(raw.toString('latin1'));
  if (!m || m[1] === '') {
    throw headerError(
      at,
      `the ${field} field ${JSON.stringify(raw.toString('latin1'))} is not an octal number; readers would parse it differently`,
    );
  }
  return parseInt(m[1] as string, 8);
}

function text(block: Buffer, offset: number, length: number, field: string, at: Place): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  try {
    return strictUtf8.decode(end === -1 ? raw : raw.subarray(0, end));
  } catch {
    throw new TarballError(
      'invalid-path',
      `the ${field} at byte ${at.at} is not valid UTF-8; readers would write different names; ${at.remedy}`,
    );
  }
}

export function decodeHeader(block: Buffer, at: Place): RawHeader {
  const expected = numeric(block, 148, 8, 'checksum', at);
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  if (sum !== expected) throw headerError(at, 'bad checksum; the archive is corrupt or not a tar file');
  const magic = block.subarray(257, 265).toString('latin1');
  const ustar = magic === 'ustar\u000000';
  if (!ustar && magic !== 'ustar  \u0000') {
    throw headerError(at, 'not a POSIX (ustar) or GNU tar header; old v7 archives are not accepted');
  }
  // Python prepends bytes 345–500 as a prefix whatever the magic; GNU tar and tar-stream only for
  // ustar. In a GNU header they must therefore be empty.
  if (!ustar && block.subarray(345, 500).some((b) => b !== 0)) {
    throw headerError(at, 'a GNU header with data in its prefix field, which readers interpret differently');
  }
  const typeflag = String.fromCharCode(block[156] as number);
  numeric(block, 108, 8, 'uid', at, true);
  numeric(block, 116, 8, 'gid', at, true);
  numeric(block, 136, 12, 'mtime', at, true);
  const size = numeric(block, 124, 12, 'size', at);
  const mode = numeric(block, 100, 8, 'mode', at);
  let name = text(block, 0, 100, 'name', at);
  if (ustar) {
    const prefix = text(block, 345, 155, 'name prefix', at);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return { name, linkname: text(block, 157, 100, 'link name', at), typeflag, size, mode };
}
