import { describe, expect, it } from 'vitest';
import type { TaskContext } from '@caravan/spec';
import {
  agentCommand,
  containerContext,
  imageNode,
  mapPath,
  mapPathsInText,
  rewriteCallbackHost,
} from '../../src/executors/docker-context.js';
import { containerName } from '../../src/executors/docker.js';
import { demuxDockerLogs, lastLines } from '../../src/executors/docker-logs.js';
import { parseDockerHost } from '../../src/executors/docker-host.js';

const mappings = [
  { host: '/home/u/.caravan/runs/r1/build/workspace', container: '/workspace' },
  { host: '/home/u/.caravan/actions/x', container: '/caravan/action' },
];

const context: TaskContext = {
  secrets: { TOKEN: 'abcdef123456' },
  params: {},
  env: {
    CARAVAN_WORKSPACE: '/home/u/.caravan/runs/r1/build/workspace',
    CARAVAN_CACHE_DIR: '/home/u/.caravan/cache/actions-cache',
    OTHER: 'plain value',
  },
  outputsFile: '/tmp/host-outputs-123',
  watch: ['/home/u/.caravan/runs/r1/build/workspace/dist/**', 'reports/*.xml'],
  files: [{ name: 'bundle', path: '/home/u/.caravan/runs/r1/build/workspace/out.tgz' }],
  workdir: '/home/u/.caravan/runs/r1/build/workspace/sub',
  callback: { url: 'http://127.0.0.1:7070/api/tasks/t1', token: 'tok' },
};

describe('container path mapping', () => {
  it('maps paths under a mount and leaves others alone', () => {
    expect(mapPath('/home/u/.caravan/runs/r1/build/workspace', mappings)).toBe('/workspace');
    expect(mapPath('/home/u/.caravan/runs/r1/build/workspace/a/b', mappings)).toBe('/workspace/a/b');
    expect(mapPath('/home/u/.caravan/runs/r1/build/workspace-other', mappings)).toBe(
      '/home/u/.caravan/runs/r1/build/workspace-other',
    );
    expect(mapPath('relative/path', mappings)).toBe('relative/path');
  });

  it('rewrites the context for the container and keeps secrets and unrelated values', () => {
    const rewritten = containerContext(context, mappings);
    expect(rewritten.workdir).toBe('/workspace/sub');
    expect(rewritten.env.CARAVAN_WORKSPACE).toBe('/workspace');
    expect(rewritten.env.CARAVAN_CACHE_DIR).toBe('/home/u/.caravan/cache/actions-cache');
    expect(rewritten.env.OTHER).toBe('plain value');
    // A host temp file is not mounted: the outputs file moves under /caravan/.
    expect(rewritten.outputsFile).toBe('/caravan/outputs.env');
    expect(rewritten.watch).toEqual(['/workspace/dist/**', 'reports/*.xml']);
    expect(rewritten.files).toEqual([{ name: 'bundle', path: '/workspace/out.tgz' }]);
    expect(rewritten.secrets).toEqual({ TOKEN: 'abcdef123456' });
    expect(rewritten.callback?.url).toBe('http://127.0.0.1:7070/api/tasks/t1');
    expect(context.workdir).toBe('/home/u/.caravan/runs/r1/build/workspace/sub');
  });

  it('defaults the workdir to /workspace and can rewrite the callback host', () => {
    const { workdir: _workdir, ...withoutWorkdir } = context;
    const rewritten = containerContext(withoutWorkdir, mappings, 'host.containers.internal');
    expect(rewritten.workdir).toBe('/workspace');
    expect(rewritten.callback?.url).toBe('http://host.containers.internal:7070/api/tasks/t1');
    expect(rewriteCallbackHost('http://127.0.0.1:7070', '10.0.0.5')).toBe('http://10.0.0.5:7070');
  });

  it('maps host paths inside scripts and params, not look-alike names', () => {
    const ws = '/home/u/.caravan/runs/r1/build/workspace';
    expect(mapPathsInText(`cat "${ws}/.caravan/files/make/report/r.txt" && ls ${ws}`, mappings)).toBe(
      'cat "/workspace/.caravan/files/make/report/r.txt" && ls /workspace',
    );
    expect(mapPathsInText(`${ws}-old/x ${ws}2`, mappings)).toBe(`${ws}-old/x ${ws}2`);
    const rewritten = containerContext(
      { ...context, params: { run: `cat ${ws}/a`, list: [`${ws}/b`], n: 3, nested: { p: ws } } },
      mappings,
    );
    expect(rewritten.params).toEqual({
      run: 'cat /workspace/a',
      list: ['/workspace/b'],
      n: 3,
      nested: { p: '/workspace' },
    });
  });

  it("replaces the engine's Node binary with the image's node", () => {
    expect(imageNode([process.execPath, '/a/index.mjs'])).toEqual(['node', '/a/index.mjs']);
    expect(imageNode(['/opt/node-20/bin/node', 'x'], '/usr/bin/node')).toEqual(['/usr/bin/node', 'x']);
    expect(imageNode(['/bin/sh', '-c', 'node x'])).toEqual(['/bin/sh', '-c', 'node x']);
  });

  it('builds the agent command with mapped arguments', () => {
    expect(
      agentCommand(
        ['node', '/home/u/.caravan/actions/x/index.mjs', '--flag'],
        mappings,
        '/workspace/.caravan/report.json',
      ),
    ).toEqual([
      '/caravan/agent/caravan-agent',
      'run',
      '--context',
      '/caravan/context.json',
      '--report',
      '/workspace/.caravan/report.json',
      '--',
      'node',
      '/caravan/action/index.mjs',
      '--flag',
    ]);
  });
});

describe('docker helpers', () => {
  it('derives a valid, stable container name from any task id', () => {
    expect(containerName('run1-build-1')).toBe('caravan-run1-build-1');
    const odd = containerName('run 1/step:ü');
    expect(odd).toMatch(/^caravan-[a-zA-Z0-9_.-]+$/);
    expect(containerName('run 1/step:ü')).toBe(odd);
    expect(containerName('run 1/step:u')).not.toBe(odd);
  });

  it('demultiplexes log frames and falls back to raw text', () => {
    const frame = (kind: number, text: string): Buffer => {
      const header = Buffer.alloc(8);
      header[0] = kind;
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    const body = Buffer.concat([frame(1, 'out line\n'), frame(2, 'err line\n'), frame(1, 'last')]);
    expect(demuxDockerLogs(body)).toBe('out line\nerr line\nlast');
    expect(demuxDockerLogs(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
    // A truncated frame keeps what arrived.
    expect(demuxDockerLogs(frame(1, 'cut short').subarray(0, 12))).toBe('cut ');
    expect(lastLines('a\n\nb\r\nc\n', 2)).toEqual(['b', 'c']);
  });

  it('parses DOCKER_HOST forms', () => {
    expect(parseDockerHost('')).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(parseDockerHost('unix:///run/podman/podman.sock')).toMatchObject({ socketPath: '/run/podman/podman.sock' });
    expect(parseDockerHost('tcp://10.0.0.2:2375')).toMatchObject({ origin: 'http://10.0.0.2:2375' });
  });
});
