/** Stored secrets at rest: round trip by level, sealed on disk, a wrong key refused, key rotation. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretKeyError } from '../../src/secret-store/secret-key.js';
import { SecretStore, secretStorePath } from '../../src/secret-store/secret-store.js';
import { localRunSecrets, missingSecrets } from '../../src/secret-store/stored-secrets.js';
import { SecretsError } from '../../src/secrets.js';

const VALUE = 'tok-9f2c-VERY-SECRET';
const noKeyEnv: NodeJS.ProcessEnv = {};
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'caravan-secrets-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function withStore<T>(fn: (s: SecretStore) => T, env = noKeyEnv, now = () => 1000): T {
  const store = new SecretStore(home, env, now);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function diskText(): string {
  return ['secrets.db', 'secrets.db-wal']
    .filter((f) => existsSync(join(home, f)))
    .map((f) => readFileSync(join(home, f)).toString('latin1'))
    .join('');
}

describe('SecretStore', () => {
  it('keeps values sealed on disk and resolves pipeline-level before server-level', () => {
    withStore((s) => {
      s.set('TOKEN', VALUE);
      s.set('TOKEN', 'pipeline-own', 'nightly');
      s.set('ONLY_SERVER', 'srv');
      expect(s.valuesFor('nightly', ['TOKEN', 'ONLY_SERVER', 'ABSENT'])).toEqual({
        TOKEN: 'pipeline-own',
        ONLY_SERVER: 'srv',
      });
      expect(s.valuesFor('other', ['TOKEN'])).toEqual({ TOKEN: VALUE });
    });
    expect(diskText()).not.toContain(VALUE);
    expect(diskText()).not.toContain('pipeline-own');
    withStore((s) => expect(s.valuesFor('x', ['TOKEN'])).toEqual({ TOKEN: VALUE }));
  });

  it('lists names, levels and dates only, and removes by level', () => {
    let t = 1000;
    withStore(
      (s) => {
        s.set('A', VALUE);
        t = 2000;
        s.set('A', 'second');
        s.set('A', VALUE, 'p1');
        const list = s.list();
        expect(list).toEqual([
          { name: 'A', createdAt: 1000, updatedAt: 2000 },
          { name: 'A', pipeline: 'p1', createdAt: 2000, updatedAt: 2000 },
        ]);
        expect(JSON.stringify(list)).not.toContain(VALUE);
        expect(s.list('p1').map((x) => x.pipeline)).toEqual(['p1']);
        expect(s.remove('A', 'p1')).toBe(true);
        expect(s.remove('A', 'p1')).toBe(false);
        expect(s.valuesFor('p1', ['A'])).toEqual({ A: 'second' });
      },
      noKeyEnv,
      () => t,
    );
  });

  it('refuses a bad secret name with what to use', () => {
    withStore((s) => expect(() => s.set('1-bad', 'x')).toThrow(/secret name "1-bad" is invalid: use letters/));
  });

  it('makes the key file with mode 0600 and refuses one that others may read', () => {
    withStore((s) => s.set('A', VALUE));
    const file = join(home, 'secret.key');
    expect(readFileSync(file).length).toBeGreaterThan(0);
    chmodSync(file, 0o644);
    expect(() => withStore(() => 0)).toThrow(SecretKeyError);
    expect(() => withStore(() => 0)).toThrow(/secret\.key has mode 0644: others may read it; run chmod 600/);
  });

  it('refuses a wrong key at open, naming where the key came from', () => {
    const right = { CARAVAN_SECRET_KEY: randomBytes(32).toString('base64') };
    withStore((s) => s.set('A', VALUE), right);
    const wrong = { CARAVAN_SECRET_KEY: randomBytes(32).toString('hex') };
    expect(() => withStore(() => 0, wrong)).toThrow(
      /the secret key from CARAVAN_SECRET_KEY does not open the stored secrets in .*secrets\.db/,
    );
    expect(() => withStore(() => 0, { CARAVAN_SECRET_KEY: 'short' })).toThrow(/must hold 32 bytes/);
    withStore((s) => expect(s.valuesFor('p', ['A'])).toEqual({ A: VALUE }), right);
  });

  it('rotates a key file: every secret resealed, the old key no longer opens them', () => {
    withStore((s) => {
      s.set('A', VALUE);
      s.set('B', 'bee', 'p');
    });
    const oldKey = readFileSync(join(home, 'secret.key'), 'utf8');
    const before = diskText();
    withStore((s) => expect(s.rotate(randomBytes(32))).toBe(2));
    const newKey = readFileSync(join(home, 'secret.key'), 'utf8');
    expect(newKey).not.toBe(oldKey);
    withStore((s) => expect(s.valuesFor('p', ['A', 'B'])).toEqual({ A: VALUE, B: 'bee' }));
    expect(() => withStore(() => 0, { CARAVAN_SECRET_KEY: oldKey })).toThrow(/does not open the stored secrets/);
    expect(before).not.toContain(VALUE);
  });

  it('finishes a rotation interrupted between its transaction and the key file rename', () => {
    withStore((s) => s.set('A', VALUE));
    const file = join(home, 'secret.key');
    const oldKey = readFileSync(file, 'utf8');
    withStore((s) => s.rotate(randomBytes(32)));
    // Put things back as a crash right before the rename would have left them.
    renameSync(file, `${file}.new`);
    writeFileSync(file, oldKey, { mode: 0o600 });
    withStore((s) => expect(s.valuesFor('p', ['A'])).toEqual({ A: VALUE }));
    expect(existsSync(`${file}.new`)).toBe(false);
  });

  it('rotates a key from CARAVAN_SECRET_KEY to the caller’s new key', () => {
    const oldEnv = { CARAVAN_SECRET_KEY: randomBytes(32).toString('base64') };
    const next = randomBytes(32);
    withStore((s) => s.set('A', VALUE), oldEnv);
    withStore((s) => s.rotate(next), oldEnv);
    withStore((s) => expect(s.valuesFor('p', ['A'])).toEqual({ A: VALUE }), {
      CARAVAN_SECRET_KEY: next.toString('base64'),
    });
    expect(existsSync(join(home, 'secret.key'))).toBe(false);
  });
});

describe('missingSecrets and localRunSecrets', () => {
  const pipeline = { name: 'nightly', file: 'nightly/pipeline.yml', secrets: ['TOKEN', 'OTHER'] };

  it('names what is neither given nor stored; given secrets win over stored ones', () => {
    withStore((s) => {
      s.set('TOKEN', VALUE, 'nightly');
      expect(missingSecrets(pipeline, {}, s)).toEqual(['OTHER']);
      expect(missingSecrets(pipeline, { OTHER: 'o' }, s)).toEqual([]);
      expect(missingSecrets(pipeline, {})).toEqual(['TOKEN', 'OTHER']);
      s.set('OTHER', 'stored-other');
    });
    expect(localRunSecrets(pipeline, { TOKEN: 'given' }, home, noKeyEnv)).toEqual({
      TOKEN: 'given',
      OTHER: 'stored-other',
    });
  });

  it('fails before anything starts, naming the secret and how to store it', () => {
    let err: unknown;
    try {
      localRunSecrets(pipeline, { TOKEN: 't' }, home, noKeyEnv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretsError);
    expect((err as Error).message).toMatch(
      /nightly\/pipeline\.yml: secret OTHER declared by pipeline "nightly" is neither given nor stored: store it with caravan secrets set OTHER/,
    );
    // No store is made just to find out nothing is stored.
    expect(existsSync(secretStorePath(home))).toBe(false);
  });
});
