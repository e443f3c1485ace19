// Provision over NATS with an agent: the output of the commands streams back from the agent to the control
// point's terminal, prefixed with the container's name, and its tail is in the step's event; a failing
// command fails the step with its exit status, and `retry` finishes it after the fix; a second `up` is empty.

import { execa } from 'execa';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import type { NatsHosts } from '../helpers/nats-hosts.js';
import { usePromptNatsHost } from '../helpers/busybox-bench.js';
import { show } from '../helpers/run-locker.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import type { TestBridge } from '../helpers/test-bridge.js';

let t: NatsHosts;
let bridge: TestBridge;
const host = usePromptNatsHost();
beforeAll(() => void ({ t, bridge } = host));

function spec(provision: string[]): string {
  return [
    'containers:',
    '  box:',
    '    host: h1',
    '    template: busybox',
    `    bridge: ${bridge.name}`,
    '    volumes: ["./init/prompt:/etc/inittab:ro"]',
    '    provision:',
    ...provision.map((p) => `      - ${p}`),
    '',
  ].join('\n');
}

async function events(): Promise<LockerEvent[]> {
  return readNatsEvents(t.server.url, path.join(t.work, 'nats', 'control.creds'), t.project);
}

describe('provision over NATS', () => {
  it('streams output back from the agent, fails with the exit status, and retry finishes after the fix', async () => {
    const lxcName = `${t.project}_box`;
    const inside = (...argv: string[]) => execa('lxc-attach', ['-P', t.envs.h1!.lxcpath, '-n', lxcName, '--clear-env', '--', ...argv], { reject: false });
    // 600 lines (~5.5 KiB): more than the ~4 KiB tail the event keeps.
    t.writeSpec(spec(['"for i in $(seq 1 600); do echo line-$i; done"', 'echo run >> /root/provision.log', '"test -e /root/ready || exit 5"']));
    const up = await t.control('up', '--yes');
    expect(up.exitCode, show(up)).toBe(1);
    for (const n of [1, 300, 600]) expect(up.stderr).toMatch(new RegExp(`^  ${lxcName} \\| line-${n}$`, 'm'));
    expect(up.stderr).toMatch(/provision command 3 of 3 \(test -e \/root\/ready \|\| exit 5\) exited with status 5/);
    const failed = (await events()).find((e): e is Extract<LockerEvent, { type: 'action.failed' }> => e.type === 'action.failed' && e.data.kind === 'provision');
    expect(failed?.type).toBe('action.failed');
    const data = failed!.data as { output?: string; error: { code: string } };
    expect(data.error.code).toBe('PROVISION_FAILED');
    expect(data.output!.length).toBeLessThanOrEqual(4096);
    expect(data.output!.endsWith('line-600')).toBe(true);
    expect(data.output!.split('\n')).not.toContain('line-1');

    const status = await t.control('status', '--json');
    expect(JSON.parse(status.stdout).containers[0].provision, show(status)).toBe('failed');

    expect((await inside('touch', '/root/ready')).exitCode).toBe(0);
    const retry = await t.control('retry', failed!.runId, '--yes');
    expect(retry.exitCode, show(retry)).toBe(0);
    expect(retry.stderr).toMatch(new RegExp(`^  ${lxcName} \\| line-600$`, 'm'));
    expect((await inside('cat', '/root/provision.log')).stdout.split('\n')).toEqual(['run', 'run']);

    const again = await t.control('up', '--yes');
    expect(again.exitCode, show(again)).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    expect((await inside('cat', '/root/provision.log')).stdout.split('\n')).toEqual(['run', 'run']);
  });
});
