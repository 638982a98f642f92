/** The pax extended header (`x`) before an entry: which keys it may set, parsed strictly. */
import { headerError, strictUtf8, type Place } from './tar-header.js';
import type { TarPolicy } from './tar-policy.js';
import { TarballError } from './tarball-error.js';

/** A pax header holds a path, a link path and a few times: far less than this. */
export const MAX_PAX_BYTES = 16 * 1024;

/** Pax keys that change what is unpacked and are applied. */
const PAX_APPLIED = new Set(['path', 'linkpath']);
/** Pax keys every reader treats as metadata only; accepted and ignored. */
const PAX_METADATA = new Set(['mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);
const TIME = /^-?[0-9]{1,20}(\.[0-9]{1,9})?$/;
const ID = /^[0-9]{1,20}$/;
const PAX_NUMBERS: Record<string, RegExp> = { mtime: TIME, atime: TIME, ctime: TIME, uid: ID, gid: ID };
const XATTR_KEY = /^(SCHILY\.xattr\.|LIBARCHIVE\.xattr\.)/;

/** Strict pax records: `<len> <key>=<value>\n`, lengths exact, each key once, nothing after. */
export function parsePax(body: Buffer, at: Place, policy: TarPolicy): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    const lenText = space === -1 ? '' : body.subarray(pos, space).toString('latin1');
    const len = /^[1-9][0-9]{0,5}$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len > 0) || pos + len > body.length || body[pos + len - 1] !== 0x0a) {
      throw headerError(at, 'a malformed pax record; readers would recover from it differently');
    }
    let record: string;
    try {
      record = strictUtf8.decode(body.subarray(space + 1, pos + len - 1));
    } catch {
      throw headerError(at, 'a pax record that is not valid UTF-8');
    }
    const eq = record.indexOf('=');
    const key = eq > 0 ? record.slice(0, eq) : '';
    const value = record.slice(eq + 1);
    if (!/^[A-Za-z0-9._-]+$/.test(key)) throw headerError(at, `a pax record without a valid key`);
    if (records.has(key)) throw headerError(at, `the pax key "${key}" appears twice; readers keep different ones`);
    if (!PAX_APPLIED.has(key) && !PAX_METADATA.has(key)) {
      if (policy.ignoreXattrs && XATTR_KEY.test(key)) {
        pos += len;
        continue;
      }
      throw new TarballError(
        'unsupported-entry',
        `the pax header at byte ${at.at} sets "${key}", which is not accepted (only path, linkpath, times and owners are): keys such as size or GNU.sparse.* change how readers frame or expand the next entry; ${policy.words.remedy}`,
      );
    }
    if (value === '') {
      throw headerError(at, `the pax key "${key}" is empty, which some readers take as "unset" and others as ""`);
    }
    const pattern = PAX_NUMBERS[key];
    if (pattern && !pattern.test(value)) {
      throw headerError(at, `the pax key "${key}" holds ${JSON.stringify(value.slice(0, 40))}, which is not a number`);
    }
    records.set(key, value);
    pos += len;
  }
  return records;
}
