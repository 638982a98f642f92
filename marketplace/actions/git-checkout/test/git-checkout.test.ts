import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';
import { startGitServer, type GitServer } from './git-server.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const commitAs = (cwd: string, name: string, message: string) =>
  git(
    cwd,
    '-c',
    `user.name=${name}`,
    '-c',
    `user.email=${name.toLowerCase()}@example.com`,
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    message,
  );

const root = mkdtempSync(join(tmpdir(), 'caravan-git-'));
const bare = join(root, 'repo.git');
const bareUrl = `file://${bare}`;
let first = '';
let second = '';
let devHead = '';

beforeAll(async () => {
  const src = join(root, 'src');
  git(root, 'init', '-q', '-b', 'main', src);
  writeFileSync(join(src, 'README.md'), '# demo\n');
  git(src, 'add', 'README.md');
  commitAs(src, 'Ada', 'first commit');
  first = git(src, 'rev-parse', 'HEAD');
  commitAs(src, 'Bob', 'second commit\n\nwith a body line');
  second = git(src, 'rev-parse', 'HEAD');
  git(src, 'tag', 'v1.0.0', first);
  git(src, 'checkout', '-q', '-b', 'dev');
  commitAs(src, 'Cy', 'work on dev');
  devHead = git(src, 'rev-parse', 'HEAD');
  git(src, 'checkout', '-q', 'main');
  git(root, 'clone', '-q', '--bare', src, bare);
  await buildAgent();
});

describe('caravan/git-checkout under the agent, against a local bare repository', () => {
  it('checks out the default branch shallowly and reports commit, branch, author and message', async () => {
    const run = await runAction('git-checkout', { url: bareUrl });
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs).toMatchObject({
      commit: second,
      branch: 'main',
      author: 'Bob <bob@example.com>',
      message: 'second commit\n\nwith a body line',
    });
    expect(readFileSync(join(run.workdir, 'README.md'), 'utf8')).toBe('# demo\n');
    expect(git(run.workdir, 'rev-list', '--count', 'HEAD')).toBe('1');
  });

  it('checks out a branch, a tag and a commit', async () => {
    const dev = await runAction('git-checkout', { url: bareUrl, ref: 'dev' });
    expect(dev.report.outputs).toMatchObject({ commit: devHead, branch: 'dev', author: 'Cy <cy@example.com>' });
    const tag = await runAction('git-checkout', { url: bareUrl, ref: 'v1.0.0' });
    expect(tag.report.outputs).toMatchObject({ commit: first, branch: '' });
    const sha = await runAction('git-checkout', { url: bareUrl, ref: first, depth: 0, path: 'sub/dir' });
    expect(sha.report.outputs.commit).toBe(first);
    expect(sha.report.outputs.path).toBe(join(sha.workdir, 'sub/dir'));
  });

  it('fetches the whole history with depth 0', async () => {
    const run = await runAction('git-checkout', { url: bareUrl, depth: 0 });
    expect(git(run.workdir, 'rev-list', '--count', 'HEAD')).toBe('2');
  });

  it('fails clearly on bad inputs', async () => {
    const missing = await runAction('git-checkout', {});
    expect(missing.exitCode).not.toBe(0);
    expect(errorMessages(missing)).toMatch(/input "url" is required/);
    const badDepth = await runAction('git-checkout', { url: bareUrl, depth: 'deep' });
    expect(errorMessages(badDepth)).toMatch(/input "depth" must be a number, got "deep"/);
    const negative = await runAction('git-checkout', { url: bareUrl, depth: -1 });
    expect(errorMessages(negative)).toMatch(/input "depth" must be at least 0/);
    const fraction = await runAction('git-checkout', { url: bareUrl, depth: 1.5 });
    expect(errorMessages(fraction)).toMatch(/input "depth" must be a whole number/);
  });

  it('fails clearly on an unknown ref, a missing repository and a non-empty path', async () => {
    const ref = await runAction('git-checkout', { url: bareUrl, ref: 'no-such-branch' });
    expect(errorMessages(ref)).toMatch(/ref "no-such-branch" was not found .*branches: dev, main/);
    const repo = await runAction('git-checkout', { url: `file://${join(root, 'missing.git')}` });
    expect(repo.exitCode).not.toBe(0);
    expect(errorMessages(repo)).toMatch(/listing the references failed for file:\/\/.*missing\.git/);
    const unreachable = await runAction('git-checkout', { url: 'http://127.0.0.1:9/repo.git' });
    expect(errorMessages(unreachable)).toMatch(/failed for http:\/\/127\.0\.0\.1:9\/repo\.git: .*(connect|refused)/i);
  });

  it('refuses a non-empty checkout directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caravan-git-ws-'));
    writeFileSync(join(dir, 'stray.txt'), 'x');
    const run = await runAction('git-checkout', { url: bareUrl }, { workdir: dir });
    expect(errorMessages(run)).toMatch(/is not empty: check out into an empty directory/);
  });
});

describe('caravan/git-checkout over HTTP with a token', () => {
  const token = 'ghp_test-token-0123456789abcdef';
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer(root, token);
  });
  afterAll(() => server.close());

  it('sends the token as a header, never stores or prints it', async () => {
    const run = await runAction(
      'git-checkout',
      { url: `${server.url}/repo.git`, token },
      { secrets: { GIT_TOKEN: token } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs.commit).toBe(second);
    expect(readFileSync(join(run.workdir, '.git', 'config'), 'utf8')).not.toContain(token);
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(server.seenAuth.some((a) => a?.startsWith('Basic '))).toBe(true);
  });

  it('takes credentials out of the URL, so that git never stores them', async () => {
    const url = server.url.replace('://', `://x-access-token:${token}@`);
    const run = await runAction('git-checkout', { url: `${url}/repo.git` });
    expect(run.exitCode, errorMessages(run)).toBe(0);
    expect(readFileSync(join(run.workdir, '.git', 'config'), 'utf8')).not.toContain(token);
    expect(readFileSync(join(run.workdir, '.git', 'config'), 'utf8')).toContain(`url = ${server.url}/repo.git`);
    expect(run.stdout + run.stderr + JSON.stringify(run.report)).not.toContain(token);
  });

  it('fails clearly without the token, and a wrong token does not leak', async () => {
    const none = await runAction('git-checkout', { url: `${server.url}/repo.git` });
    expect(none.exitCode).not.toBe(0);
    expect(errorMessages(none)).toMatch(
      /listing the references failed for http:\/\/127\.0\.0\.1:\d+\/repo\.git: .*give a valid access token in input "token"/,
    );
    const wrong = 'wrong-token-value-987654';
    const bad = await runAction(
      'git-checkout',
      { url: `${server.url}/repo.git`, token: wrong },
      { secrets: { GIT_TOKEN: wrong } },
    );
    expect(bad.exitCode).not.toBe(0);
    expect(JSON.stringify(bad.report) + bad.stdout + bad.stderr).not.toContain(wrong);
  });
});
