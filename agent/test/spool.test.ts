/** The spool's file holds exactly what is still to deliver: the engine reads it back after a crash. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool, SPOOL_FILE } from '../src/spool.js';

describe('Spool', () => {
  it('starts its file again once everything was delivered, leaving no old line behind', () => {
    const spool = new Spool(join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool'), 1 << 20);
    spool.append({ route: 'logs', body: 'x'.repeat(200) });
    spool.append({ route: 'events', body: 'y'.repeat(200) });
    spool.shift();
    spool.shift();
    spool.append({ route: 'report', body: '{}' });
    const lines = readFileSync(join(spool.dir, SPOOL_FILE), 'utf8').split('\n').filter(Boolean);
    expect(lines).toEqual([JSON.stringify({ route: 'report', body: '{}' })]);
    expect(spool.peek()).toEqual({ route: 'report', body: '{}' });
  });
});
