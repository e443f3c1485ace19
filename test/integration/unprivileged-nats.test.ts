// Unprivileged containers over NATS with an agent: the agent creates a busybox container and its snapshot
// clone in one range of Locker's block; the host sees their init as uid BASE; a file root writes inside a
// volume is owned by root (uid 0) on the host; `down` frees the range and keeps the volume's data.

import { execa } from 'execa';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIdmap, RANGES_DIR, slotOf } from '../../src/lxc/index.js';
import type { NatsHosts } from '../helpers/nats-hosts.js';
import { usePromptNatsHost } from '../helpers/busybox-bench.js';
import { show } from '../helpers/run-locker.js';
import type { TestBridge } from '../helpers/test-bridge.js';

let t: NatsHosts;
let bridge: TestBridge;
// The container's root must reach the rootfs and the volumes' sources: mkdtemp made both 0700.
const host = usePromptNatsHost((hosts) => {
  chmodSync(hosts.work, 0o711);
  chmodSync(hosts.envs.h1!.lxcpath, 0o711);
});
beforeAll(() => void ({ t, bridge } = host));

function spec(): string {
  const box = (name: string, source: string[]) => [
    `  ${name}:`,
    '    host: h1',
    ...source,
    `    bridge: ${bridge.name}`,
    `    volumes: ["./init/prompt:/etc/inittab:ro", "./${name}-data:/data"]`,
  ];
  return ['defaults:', '  unprivileged: true', 'containers:', ...box('base', ['    template: busybox']), ...box('copy', ['    clone: base', '    snapshot: true']), ''].join('\n');
}

describe('unprivileged containers over NATS', () => {
  it('the agent makes a container and its snapshot clone in one range; root inside is uid BASE on the host; volume files are root\'s', async () => {
    const lxcpath = t.envs.h1!.lxcpath;
    t.writeSpec(spec());
    const up = await t.control('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    const baseOf = (name: string) => parseIdmap(readFileSync(path.join(lxcpath, `${t.project}_${name}`, 'config'), 'utf8'))?.uidBase;
    const base = baseOf('base')!;
    expect(slotOf(base)).toBeDefined();
    expect(baseOf('copy')).toBe(base);
    const slotDir = path.join(RANGES_DIR, String(slotOf(base)));
    for (const name of ['base', 'copy']) {
      const lxcName = `${t.project}_${name}`;
      const pid = (await execa('lxc-info', ['-P', lxcpath, '-n', lxcName, '-pH'])).stdout.trim();
      const uids = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!.split(/\s+/).slice(1).map(Number);
      expect(uids, `${lxcName}'s init as the host sees it`).toEqual([base, base, base, base]);
      const write = await execa('lxc-attach', ['-P', lxcpath, '-n', lxcName, '--clear-env', '--', '/bin/sh', '-c', 'id -u && echo over-nats > /data/written'], { reject: false });
      expect(write.exitCode, write.stderr).toBe(0);
      expect(write.stdout.trim()).toBe('0');
      const file = path.join(t.work, `${name}-data`, 'written');
      expect([statSync(file).uid, statSync(file).gid], `${file} on the host`).toEqual([0, 0]);
    }
    const again = await t.control('up', '--yes');
    expect(again.stdout, show(again)).toMatch(/No changes/);

    const down = await t.control('down', '--yes');
    expect(down.exitCode, show(down)).toBe(0);
    expect(existsSync(slotDir), 'the range is free once both are gone').toBe(false);
    expect(readFileSync(path.join(t.work, 'base-data', 'written'), 'utf8')).toBe('over-nats\n');
  });
});
