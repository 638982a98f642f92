import { describe, expect, it } from 'vitest';
import { imageRefs } from '../src/lib/images/dockerfile-refs.js';

describe('imageRefs', () => {
  it('lists the images a Dockerfile pulls in, with their lines, leaving out stages, scratch and build args', () => {
    const text = [
      '# syntax comment',
      'FROM --platform=linux/amd64 docker.io/library/node:20 AS build',
      'RUN npm ci',
      'from busybox',
      'COPY --from=build /app /app',
      'COPY --from=caravan/agent:0.1.0 /caravan /caravan',
      'COPY --from=0 /x /x',
      'FROM scratch',
      'ARG BASE=alpine',
      'FROM $BASE',
      'ADD --chown=1 --from=ghcr.io/acme/tools:2 /bin/t /bin/t',
    ].join('\r\n');
    expect(imageRefs(text)).toEqual([
      {
        line: 2,
        instruction: 'FROM --platform=linux/amd64 docker.io/library/node:20 AS build',
        image: 'docker.io/library/node:20',
      },
      { line: 4, instruction: 'from busybox', image: 'busybox' },
      {
        line: 6,
        instruction: 'COPY --from=caravan/agent:0.1.0 /caravan /caravan',
        image: 'caravan/agent:0.1.0',
      },
      {
        line: 11,
        instruction: 'ADD --chown=1 --from=ghcr.io/acme/tools:2 /bin/t /bin/t',
        image: 'ghcr.io/acme/tools:2',
      },
    ]);
  });

  it('finds nothing in a file without FROM', () => {
    expect(imageRefs('')).toEqual([]);
    expect(imageRefs('RUN echo FROM busybox\n')).toEqual([]);
  });
});
