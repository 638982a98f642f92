import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { ActionError, getInput, info, run, setOutput, workspacePath } from './lib/io.mjs';

/** The URL without any user:password part, for messages. */
function redactUrl(url) {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/**
 * Credentials written into an http(s) URL (`https://user:token@host/repo.git`) leave the URL, which
 * git would store in .git/config, and travel like a token instead.
 */
function splitCredentials(url) {
  if (!/^https?:\/\//i.test(url)) return { url, user: undefined, password: undefined };
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new ActionError(`input "url" is not a valid URL: ${JSON.stringify(redactUrl(url))}`);
  }
  if (!parsed.username && !parsed.password) return { url, user: undefined, password: undefined };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), user, password };
}

function gitEnv(token, user = 'x-access-token') {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' };
  if (token) {
    // Passed as configuration in the environment: never on a command line or in .git/config.
    const basic = Buffer.from(`${user}:${token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  return env;
}

function git(args, { cwd, env, what, url }) {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if (err.code === 'ENOENT')
        return reject(new ActionError('git was not found on PATH: install git in the image that runs this step'));
      const detail = String(stderr).trim().split('\n').filter(Boolean).slice(-3).join(' | ') || err.message;
      const authHint = /could not read Username|Authentication failed|401|403/.test(detail)
        ? '; the server wants credentials: give a valid access token in input "token"'
        : '';
      reject(
        new ActionError(`${what} failed for ${redactUrl(url)}: ${detail.replaceAll(url, redactUrl(url))}${authHint}`),
      );
    });
  });
}

/** Parses `git ls-remote --symref` output into the default branch and the heads and tags. */
function parseRemoteRefs(text) {
  const refs = new Map();
  let defaultBranch = '';
  for (const line of text.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref) {
      defaultBranch = symref[1];
      continue;
    }
    const [sha, name] = line.split('\t');
    if (sha && name) refs.set(name, sha);
  }
  return { refs, defaultBranch };
}

function chooseRef(ref, { refs, defaultBranch }, url) {
  if (!ref) {
    if (!defaultBranch)
      throw new ActionError(
        `${redactUrl(url)} has no default branch (is it empty?): set "ref" to a branch, tag or commit`,
      );
    return { fetch: `refs/heads/${defaultBranch}`, branch: defaultBranch };
  }
  const short = ref.replace(/^refs\/(heads|tags)\//, '');
  if (refs.has(`refs/heads/${short}`) && !ref.startsWith('refs/tags/'))
    return { fetch: `refs/heads/${short}`, branch: short };
  if (refs.has(`refs/tags/${short}`)) return { fetch: `refs/tags/${short}`, branch: '' };
  if (/^[0-9a-f]{40}$/i.test(ref)) return { fetch: ref, branch: '' };
  const branches = [...refs.keys()].filter((r) => r.startsWith('refs/heads/')).map((r) => r.slice(11));
  throw new ActionError(
    `ref "${ref}" was not found in ${redactUrl(url)}: no branch or tag has that name and it is not a full 40-character commit SHA` +
      ` (branches: ${branches.slice(0, 10).join(', ') || 'none'})`,
  );
}

run(async () => {
  const given = splitCredentials(getInput('url', { required: true }));
  const url = given.url;
  const ref = getInput('ref', { default: '' }).trim();
  const depth = getInput('depth', { type: 'number', default: 1, integer: true, min: 0 });
  const dir = workspacePath(getInput('path', { default: '.' }));
  const token = getInput('token', { default: '', secret: true });
  if (/\s/.test(url))
    throw new ActionError(`input "url" must not contain spaces, got ${JSON.stringify(redactUrl(url))}`);

  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0)
    throw new ActionError(`path ${dir} is not empty: check out into an empty directory (set "path")`);

  const env = token ? gitEnv(token) : gitEnv(given.password, given.user);
  const opts = { cwd: dir, env, url };
  info(`Checking out ${redactUrl(url)}${ref ? ` at ${ref}` : ''} into ${dir}`);
  const remote = parseRemoteRefs(
    await git(['ls-remote', '--symref', url, 'HEAD', 'refs/heads/*', 'refs/tags/*'], {
      ...opts,
      what: 'listing the references',
    }),
  );
  const chosen = chooseRef(ref, remote, url);

  await git(['init', '-q'], { ...opts, what: 'git init' });
  await git(['remote', 'add', 'origin', url], { ...opts, what: 'git remote add' });
  const fetchArgs = ['-c', 'protocol.version=2', 'fetch', '--no-tags', '--quiet'];
  if (depth > 0) fetchArgs.push(`--depth=${depth}`);
  await git([...fetchArgs, 'origin', chosen.fetch], { ...opts, what: `fetching ${chosen.fetch}` });
  if (chosen.branch)
    await git(['checkout', '-q', '-B', chosen.branch, 'FETCH_HEAD'], { ...opts, what: 'git checkout' });
  else await git(['checkout', '-q', '--detach', 'FETCH_HEAD'], { ...opts, what: 'git checkout' });

  const show = await git(['log', '-1', '--format=%H%x00%an <%ae>%x00%B'], { ...opts, what: 'git log' });
  const [commit = '', author = '', message = ''] = show.split('\0');
  info(`Checked out ${commit}${chosen.branch ? ` (branch ${chosen.branch})` : ''}: ${message.trim().split('\n')[0]}`);
  setOutput('commit', commit);
  setOutput('branch', chosen.branch);
  setOutput('author', author);
  setOutput('message', message.trim());
  setOutput('path', dir);
});
