/** Bootstrap without a web UI: add users (printing their first token) and grant roles. */
import { RegistryError } from './errors.js';
import { EVERYONE } from './auth/principal.js';
import { parseScope, RESERVED_ORG } from './names.js';
import { issueToken } from './operations/tokens.js';
import type { RegistryStore, Role } from './store/types.js';

const USER = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ADMIN_CLI = { user: 'admin-cli', tokenId: '' };

export async function addUser(
  store: RegistryStore,
  name: string,
  admin: boolean,
): Promise<{ id: string; token: string }> {
  if (!USER.test(name)) {
    throw new RegistryError(
      400,
      'invalid-user',
      `invalid user name "${name.slice(0, 80)}"`,
      'user names use a-z, 0-9, ".", "_", "-" and start with a letter or digit',
    );
  }
  const at = new Date().toISOString();
  const added = await store.addUser(
    { name, admin, createdAt: at },
    { at, ...ADMIN_CLI, action: 'user-add', target: name, scope: '', detail: admin ? 'admin' : '' },
  );
  if (!added)
    throw new RegistryError(
      409,
      'user-exists',
      `user "${name}" already exists`,
      'pick another name, or create a token for the user with `caravan registry token create`',
    );
  return issueToken(store, name, ['*'], 'publish', ADMIN_CLI);
}

export async function createTokenFor(
  store: RegistryStore,
  name: string,
  scopes: string[],
  access: 'read' | 'publish',
): Promise<{ id: string; token: string }> {
  if (!(await store.getUser(name)))
    throw new RegistryError(404, 'no-user', `no user "${name}"`, 'add the user first: caravan registry user add NAME');
  for (const s of scopes) if (s !== '*') parseScope(s);
  return issueToken(store, name, scopes, access, ADMIN_CLI);
}

/**
 * Grants a role on a scope (`acme`, `acme/payments`, `~alice`). The user `*` (everyone) can only be
 * granted `reader`: that makes a scope public. Personal scopes can be shared for reading only.
 */
export async function grant(store: RegistryStore, user: string, scope: string, role: Role | 'none'): Promise<void> {
  const s = parseScope(scope);
  if (user === EVERYONE) {
    if (role !== 'reader' && role !== 'none')
      throw new RegistryError(
        400,
        'invalid-grant',
        'everyone (*) can only be granted reader',
        'use --role reader to make the scope public',
      );
  } else if (!(await store.getUser(user))) {
    throw new RegistryError(404, 'no-user', `no user "${user}"`, 'add the user first: caravan registry user add NAME');
  }
  if (s.personal && role !== 'reader' && role !== 'none') {
    throw new RegistryError(
      400,
      'invalid-grant',
      `personal scope ${scope} belongs to its user alone; others can only be readers`,
      'use --role reader, or publish under an org scope',
    );
  }
  if (s.org === RESERVED_ORG) {
    throw new RegistryError(
      400,
      'invalid-grant',
      `scope "${RESERVED_ORG}" is reserved for built-ins: readable by all, writable by admins`,
      'make the user an admin instead',
    );
  }
  const at = new Date().toISOString();
  await store.setGrant(user, scope, role === 'none' ? null : role, {
    at,
    ...ADMIN_CLI,
    action: 'grant',
    target: user,
    scope,
    detail: role,
  });
}

export async function revokeTokenById(store: RegistryStore, id: string): Promise<boolean> {
  return store.revokeToken(id, new Date().toISOString(), {
    at: new Date().toISOString(),
    ...ADMIN_CLI,
    action: 'token-revoke',
    target: id,
    scope: '',
    detail: '',
  });
}
