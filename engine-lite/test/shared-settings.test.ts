/** The engine keeps no copies of the registry client's settings helpers: one home folder, one URL redaction. */
import { caravanHome, redactUrl } from '@caravan/registry';
import { describe, expect, it } from 'vitest';
import { caravanHome as engineCaravanHome } from '../src/paths.js';
import { redactUrl as engineRedactUrl } from '../src/store/postgres.js';

describe('settings the engine shares with the registry client', () => {
  it('uses the client’s caravanHome and redactUrl themselves', () => {
    expect(engineCaravanHome).toBe(caravanHome);
    expect(engineRedactUrl).toBe(redactUrl);
  });
});
