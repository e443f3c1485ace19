// Locker changes only the netfilter rules it tagged for the project at hand. Another tool's DNAT, an
// admin's FORWARD rule and another Locker project's forwards are on the host before `up`; after `up`,
// `rmports` and `down` of this project, iptables-save still has each of them byte for byte. A port the
// other project forwards is named at plan time.

import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForwards, removeRulesTagged, ruleTag, setForwards } from '../../src/net/index.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';

let env: LxcEnv;
let work: string;
const port = randomInt(41_000, 49_000);
const foreignPort = port + 1;
const otherPort = port + 2;

const otherProject = () => `${env.prefix}o`;
const foreignDnat = () => ['-t', 'nat', 'PREROUTING', '-p', 'tcp', '--dport', String(foreignPort), '-m', 'comment', '--comment', `foreign-${env.prefix}`, '-j', 'DNAT', '--to-destination', '10.0.3.250:9'];
const adminAccept = () => ['FORWARD', '-d', '10.0.3.251/32', '-p', 'tcp', '--dport', '22', '-m', 'comment', '--comment', `admin-${env.prefix}`, '-j', 'ACCEPT'];

function withVerb(rule: string[], verb: '-A' | '-D' | '-C'): string[] {
  const at = rule[0] === '-t' ? 2 : 0;
  return [...rule.slice(0, at), verb, ...rule.slice(at)];
}

async function iptables(args: string[]): Promise<number> {
  return (await execa('iptables', args, { reject: false, stdin: 'ignore' })).exitCode ?? -1;
}

/** Every rule line that is not this project's: the foreign ones, in iptables-save's order. */
async function foreignLines(): Promise<string[]> {
  const { stdout } = await execa('iptables-save', [], { stdin: 'ignore' });
  // iptables-save quotes a comment only when it must (`"locker:..."`, but `foreign-it1a2b`).
  const marks = [`--comment foreign-${env.prefix} `, `--comment admin-${env.prefix} `, `--comment "${ruleTag(otherProject())}`];
  return stdout.split('\n').filter((l) => marks.some((m) => l.includes(m)));
}

const locker = (...args: string[]) => runLocker([...args, '--yes', '-P', env.lxcpath, '-p', env.prefix], { cwd: work });
const ours = async () => (await readForwards()).filter((f) => f.project === env.prefix);

let before: string[] = [];

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  work = await mkdtemp('/tmp/locker-it-foreign-');
  await writeFile(path.join(work, 'locker.yml'), `web:\n  template: busybox\n  ports: ["${port}:80"]\n`);
  expect(await iptables(withVerb(foreignDnat(), '-A'))).toBe(0);
  expect(await iptables(withVerb(adminAccept(), '-A'))).toBe(0);
  // Another Locker project on this host, forwarding to an address of its own.
  await setForwards({ host: 'local', project: otherProject(), container: 'other', targetIp: '10.0.3.252', ports: [{ protocol: 'tcp', hostPort: otherPort, containerPort: 80 }] });
  before = await foreignLines();
}, 60_000);

afterAll(async () => {
  const failures: unknown[] = [];
  const step = async (f: () => Promise<unknown>) => f().catch((e: unknown) => failures.push(e));
  if (env) {
    await step(async () => {
      while ((await iptables(withVerb(foreignDnat(), '-C'))) === 0) await iptables(withVerb(foreignDnat(), '-D'));
      while ((await iptables(withVerb(adminAccept(), '-C'))) === 0) await iptables(withVerb(adminAccept(), '-D'));
    });
    await step(() => removeRulesTagged(ruleTag(otherProject())));
    await step(() => removeRulesTagged(ruleTag(env.prefix)));
    await step(() => env.destroyAll());
  }
  if (work) await step(() => rm(work, { recursive: true, force: true }));
  if (failures.length > 0) throw new AggregateError(failures, 'cleanup of the foreign-rules test failed');
}, 120_000);

describe('rules Locker did not tag for this project', () => {
  it('are all on the host to begin with', () => {
    expect(before.filter((l) => l.includes(`foreign-${env.prefix}`))).toHaveLength(1);
    expect(before.filter((l) => l.includes(`admin-${env.prefix}`))).toHaveLength(1);
    expect(before.filter((l) => l.includes(ruleTag(otherProject()))).length).toBeGreaterThanOrEqual(3);
  });

  it('survive `up`, byte for byte, while the project gets its own forward', async () => {
    const r = await locker('up');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await foreignLines()).toEqual(before);
    expect((await ours()).map((f) => [f.container, f.hostPort, f.complete])).toEqual([['web', port, true]]);
  }, 180_000);

  it('survive `rmports`, which removes only the project\'s forward', async () => {
    const r = await locker('rmports');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await ours()).toEqual([]);
    expect(await foreignLines()).toEqual(before);
  }, 120_000);

  it('survive `down`', async () => {
    const r = await locker('down');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await foreignLines()).toEqual(before);
    expect((await env.lxc('lxc-ls', ['-1'])).stdout.trim()).toBe('');
  }, 120_000);

  it("name another project's port at plan time, at the spec line, and touch nothing", async () => {
    await writeFile(path.join(work, 'locker.yml'), `web:\n  template: busybox\n  ports:\n    - "${port}:80"\n    - "${otherPort}:8080"\n`);
    for (const command of ['plan', 'up']) {
      const r = await locker(command);
      expect(r.exitCode, show(r)).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(
        `error[PORT_IN_USE] locker.yml:5:7: host port ${otherPort}:8080/tcp is already forwarded by project "${otherProject()}" to its container other (host "local")`,
      );
      expect(r.stderr).toContain(`hint: use another host port, or free it first: \`locker rmports\` in project ${otherProject()}`);
    }
    expect(await foreignLines()).toEqual(before);
    expect(await ours()).toEqual([]);
    expect((await env.lxc('lxc-ls', ['-1'])).stdout.trim()).toBe('');
  }, 120_000);
});
