// Two projects on one host want the same host port: the second one's plan names the first as PORT_IN_USE
// (the host is in the way, not the spec), at the spec line of the port, and touches nothing. Two containers
// of one spec on one host port stay a spec error.

import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForwards, removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';

let env: LxcEnv;
const work: Record<'first' | 'second', string> = { first: '', second: '' };
const port = randomInt(41_000, 49_000);
const project = (which: keyof typeof work) => `${env.prefix}${which === 'first' ? 'a' : 'b'}`;
const locker = (which: keyof typeof work, ...args: string[]) =>
  runLocker([...args, '--yes', '-P', env.lxcpath, '-p', project(which)], { cwd: work[which] });
const containers = async () => (await env.lxc('lxc-ls', ['-1'])).stdout.split('\n').filter((l) => l.trim() !== '').sort();

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  for (const which of ['first', 'second'] as const) {
    work[which] = await mkdtemp(`/tmp/locker-it-port-${which}-`);
    await writeFile(path.join(work[which], 'locker.yml'), `web:\n  template: busybox\n  ports:\n    - "${port}:80"\n`);
  }
}, 60_000);

afterAll(async () => {
  const failures: unknown[] = [];
  const step = async (f: () => Promise<unknown>) => f().catch((e: unknown) => failures.push(e));
  if (env) {
    for (const which of ['first', 'second'] as const) await step(() => removeRulesTagged(ruleTag(project(which))));
    await step(() => env.destroyAll());
  }
  for (const dir of Object.values(work)) if (dir) await step(() => rm(dir, { recursive: true, force: true }));
  if (failures.length > 0) throw new AggregateError(failures, 'cleanup of the port-in-use test failed');
}, 120_000);

describe('a host port another project forwards', () => {
  it('is PORT_IN_USE for the second project, at the spec line of its port, and nothing of it is made', async () => {
    const first = await locker('first', 'up');
    expect(first.exitCode, show(first)).toBe(0);
    expect((await readForwards()).filter((f) => f.hostPort === port).map((f) => f.project)).toEqual([project('first')]);

    for (const command of ['plan', 'up']) {
      const r = await locker('second', command);
      expect(r.exitCode, show(r)).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(
        `error[PORT_IN_USE] locker.yml:4:7: host port ${port}:80/tcp is already forwarded by project "${project('first')}" to its container web (host "local")`,
      );
      expect(r.stderr).toContain(`hint: use another host port, or free it first: \`locker rmports\` in project ${project('first')}`);
    }
    const json = await locker('second', 'plan', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'PORT_IN_USE', location: { file: 'locker.yml', line: 4, col: 7, path: 'web.ports[0]' } });
    expect(await containers()).toEqual([`${project('first')}_web`]);
  }, 180_000);

  it('while two containers of one spec on that port stay a spec error', async () => {
    await writeFile(path.join(work.second, 'locker.yml'), `web:\n  template: busybox\n  ports: ["${port + 1}:80"]\napi:\n  template: busybox\n  ports: ["${port + 1}:81"]\n`);
    const r = await locker('second', 'plan');
    expect(r.exitCode, show(r)).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^error\[SPEC_INVALID\] locker\.yml:6:\d+: host port \d+\/tcp is already forwarded by web\.ports\[0\]/);
  }, 120_000);
});
