// download: LXC's download template with dist, release, arch and an optional server: one source among
// template, clone and download, and each value checked as a template argument, located.

import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';

const load = (lines: string[]) => loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' }).containers[0]!;

describe('download in the spec', () => {
  it('becomes the download template with its arguments (a number keeps its spelling)', () => {
    expect(load(['web:', '  download: {dist: alpine, release: 3.20, arch: amd64}']).source).toMatchObject({ kind: 'template', template: 'download', args: { dist: 'alpine', release: '3.20', arch: 'amd64' } });
  });

  it.each<[string, string[], number, number, RegExp]>([
    ['download with template', ['web:', '  template: busybox', '  download: {dist: alpine, release: "3.20", arch: amd64}'], 3, 3, /both download and template/],
    ['download with clone', ['web:', '  download: {dist: alpine, release: "3.20", arch: amd64}', '  clone: base'], 3, 3, /both download and clone/],
    ['a server starting with -', ['web:', '  download: {dist: alpine, release: "3.20", arch: amd64, server: "-o/tmp/x"}'], 2, 66, /starts with "-"/],
    ['a dist with a shell', ['web:', '  download: {dist: "$(id)", release: "3.20", arch: amd64}'], 2, 20, /contains "\$"/],
    ['an unknown key', ['web:', '  download: {dist: alpine, release: "3.20", arch: amd64, variant: default}'], 2, 58, /variant/],
    ['no arch', ['web:', '  download: {dist: alpine, release: "3.20"}'], 2, 13, /download needs arch/],
  ])('refuses %s, located', (_what, lines, line, col, message) => {
    const e = thrown(() => load(lines));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ line, col });
  });
});
