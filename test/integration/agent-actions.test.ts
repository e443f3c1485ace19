// LocalAgent on real LXC (busybox): every action kind runs once, a repeat is adopted, bad jobs are refused
// before anything runs, host data outlives the containers.

import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgent } from '../../agents/index.js';
import type { ObservedContainer } from '../../plans/observed.js';
import type { ActionParams, PlannedAction } from '../../plans/types.js';
import { readForwards, removeRulesTagged, ruleTag } from '../../src/net/index.js';
import type { Job, JobResult } from '../../src/transport/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';

let env: LxcEnv;
let agent: LocalAgent;
let project: string;
let data: string;
let attempt = 0;

const lxcName = (container: string) => `${project}_${container}`;
const hostData = (...p: string[]) => path.join(data, ...p);

function job(container: string, params: ActionParams, over: Partial<PlannedAction> = {}): Job {
  attempt += 1;
  return makeJob(makeAction(params, { project, container, ...over }), { runId: 'run-agent-it', planId: 'plan-agent-it', attempt });
}

async function run(container: string, params: ActionParams, over: Partial<PlannedAction> = {}): Promise<JobResult> {
  return agent.runJob(job(container, params, over));
}

/** The outcome of a job that must succeed; a failure shows its whole error. */
async function outcome(container: string, params: ActionParams): Promise<'done' | 'adopted'> {
  const r = await run(container, params);
  if (!r.ok) throw new Error(`${params.kind} ${container} failed: ${JSON.stringify(r.error, null, 2)}`);
  return r.outcome;
}

async function inside(container: string, ...cmd: string[]): Promise<{ stdout: string; exitCode: number; stderr: string }> {
  return env.lxc('lxc-attach', ['-n', lxcName(container), '--', ...cmd]);
}

async function observed(container: string): Promise<ObservedContainer | undefined> {
  return (await agent.observe()).containers.find((c) => c.name === lxcName(container));
}

const config = (container: string) => readFile(path.join(env.lxcpath, lxcName(container), 'config'), 'utf8');

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  agent = new LocalAgent({ host: 'local', lxcpath: env.lxcpath });
  data = await mkdtemp('/tmp/locker-it-data-');
}, 60_000);

afterAll(async () => {
  if (project) await removeRulesTagged(ruleTag(project));
  await env?.destroyAll();
  if (data) await rm(data, { recursive: true, force: true });
}, 120_000);

describe('LocalAgent on real LXC', { timeout: 90_000 }, () => {
  it('creates a container from a template once; the repeat is adopted', async () => {
    expect(await outcome('web', { kind: 'create', template: 'busybox', args: {} })).toBe('done');
    expect(await outcome('web', { kind: 'create', template: 'busybox', args: {} })).toBe('adopted');
    expect((await env.lxc('lxc-ls', ['-1'])).stdout.split('\n')).toContain(lxcName('web'));
  });

  it('refuses a job addressed to another host, and runs nothing of it', async () => {
    const r = await run('other', { kind: 'create', template: 'busybox', args: {} }, { host: 'elsewhere' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('HOST_PRECONDITION');
    expect(r.error.message).toBe('job for host elsewhere sent to local');
    expect(await observed('other')).toBeUndefined();
  });

  it('refuses a job with a bad mount path before touching anything', async () => {
    const before = await config('web');
    const r = await run('web', {
      kind: 'write-mounts',
      mounts: [
        { hostPath: hostData('fine'), containerPath: '/fine', readOnly: false },
        { hostPath: hostData('x'), containerPath: '/srv/x\nlxc.apparmor.profile = unconfined', readOnly: false },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PLAN_INVALID');
    expect(await config('web')).toBe(before);
    await expect(stat(hostData('fine'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails a template script that exits non-zero, not retryable, and leaves no container', async () => {
    const template = hostData('broken-template');
    await mkdir(data, { recursive: true });
    await writeFile(template, '#!/bin/sh\necho "template broke" >&2\nexit 3\n');
    await chmod(template, 0o755);
    const r = await run('broken', { kind: 'create', template, args: {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('LXC_COMMAND_FAILED');
    expect(r.error.message).toBe(`lxc-create failed for ${lxcName('broken')} (exit 1)`);
    expect(r.error.retryable).toBe(false);
    expect(r.error.detail).toContain('template broke');
    expect(await observed('broken')).toBeUndefined();
  });

  it('copies the image content of a mount path into an empty host folder, and never touches a non-empty one', async () => {
    await mkdir(hostData('initd'), { recursive: true }); // exists, empty
    await mkdir(hostData('keep'), { recursive: true });
    await writeFile(hostData('keep', 'mine.txt'), 'host data\n');
    const params: ActionParams = {
      kind: 'copy-out',
      mounts: [
        { hostPath: hostData('initd'), containerPath: '/etc/init.d', readOnly: false },
        { hostPath: hostData('keep'), containerPath: '/etc', readOnly: false },
        { hostPath: hostData('nothing', 'here'), containerPath: '/not/in/image', readOnly: false },
      ],
    };
    expect(await outcome('web', params)).toBe('done');
    const rootfs = path.join(env.lxcpath, lxcName('web'), 'rootfs');
    const rcS = await stat(path.join(rootfs, 'etc/init.d/rcS'));
    const copied = await stat(hostData('initd', 'rcS'));
    expect(await readFile(hostData('initd', 'rcS'), 'utf8')).toBe(await readFile(path.join(rootfs, 'etc/init.d/rcS'), 'utf8'));
    expect(copied.mode & 0o7777).toBe(rcS.mode & 0o7777);
    expect(await readdir(hostData('keep'))).toEqual(['mine.txt']);
    expect((await lstat(hostData('nothing', 'here'))).isDirectory()).toBe(true);
    expect(await readdir(hostData('nothing', 'here'))).toEqual([]);
    // Now every host path is non-empty or has nothing to receive: a repeat changes nothing.
    expect(await outcome('web', params)).toBe('adopted');
  });

  it('writes a directory and a single-file volume into the block; the repeat is adopted', async () => {
    await writeFile(hostData('app.ini'), 'color=blue\n');
    const params: ActionParams = {
      kind: 'write-mounts',
      mounts: [
        { hostPath: hostData('www'), containerPath: '/www', readOnly: false },
        { hostPath: hostData('app.ini'), containerPath: '/etc/app.ini', readOnly: true },
      ],
    };
    expect(await outcome('web', params)).toBe('done');
    expect((await stat(hostData('www'))).isDirectory()).toBe(true); // missing source created: lxc-start needs it
    const text = await config('web');
    expect(text).toContain(`lxc.mount.entry = ${hostData('www')} www none bind,create=dir 0 0`);
    expect(text).toContain(`lxc.mount.entry = ${hostData('app.ini')} etc/app.ini none bind,ro,create=file 0 0`);
    expect(await outcome('web', params)).toBe('adopted');
  });

  it('installs the hostname hook with the fqdn kept out of the script; the repeat is adopted', async () => {
    const params: ActionParams = { kind: 'install-hostname-hook', fqdn: 'web.example.test' };
    expect(await outcome('web', params)).toBe('done');
    expect(await outcome('web', params)).toBe('adopted');
    const hook = path.join(env.lxcpath, lxcName('web'), 'locker-hostname-hook');
    expect((await stat(hook)).mode & 0o777).toBe(0o755);
    expect(await readFile(hook, 'utf8')).not.toContain('example');
    const managed = (await observed('web'))?.managed;
    expect(managed).toEqual({
      project,
      container: 'web',
      fqdn: 'web.example.test',
      mounts: [
        { hostPath: hostData('www'), containerPath: '/www', readOnly: false },
        { hostPath: hostData('app.ini'), containerPath: '/etc/app.ini', readOnly: true },
      ],
    });
  });

  it('starts once; the repeat is adopted; the volumes and the hostname are live inside', async () => {
    expect(await outcome('web', { kind: 'start' })).toBe('done');
    expect(await outcome('web', { kind: 'start' })).toBe('adopted');
    expect((await inside('web', 'cat', '/etc/app.ini')).stdout).toBe('color=blue');
    const readOnly = await inside('web', 'sh', '-c', 'echo red > /etc/app.ini');
    expect(readOnly.exitCode).not.toBe(0);
    expect(await readFile(hostData('app.ini'), 'utf8')).toBe('color=blue\n');
    await writeFile(hostData('www', 'index.html'), 'from the host\n');
    expect((await inside('web', 'cat', '/www/index.html')).stdout).toBe('from the host');
    expect((await inside('web', 'hostname')).stdout).toBe('web');
    expect((await inside('web', 'cat', '/etc/hostname')).stdout).toBe('web');
    const hosts = (await inside('web', 'cat', '/etc/hosts')).stdout.split('\n');
    expect(hosts).toContain('127.0.1.1\tweb.example.test web');
    expect(hosts).toContain('127.0.0.1\tlocalhost');
  });

  it('observes the running container with its address, and no origin', async () => {
    const deadline = Date.now() + 30_000;
    let web = await observed('web');
    while ((web?.ipv4.length ?? 0) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      web = await observed('web');
    }
    expect(web?.state).toBe('RUNNING');
    expect(web?.ipv4[0]).toMatch(/^10\.0\.3\.\d+$/);
    expect(web).not.toHaveProperty('origin');
  });

  it('forwards and unforwards ports through src/net; repeats are adopted', async () => {
    const hostPort = 30000 + Math.floor(Math.random() * 20000);
    const ports = [{ protocol: 'tcp' as const, hostPort, containerPort: 80 }];
    expect(await outcome('web', { kind: 'forward-ports', ports })).toBe('done');
    expect(await outcome('web', { kind: 'forward-ports', ports })).toBe('adopted');
    const mine = (await readForwards()).filter((f) => f.project === project && f.container === 'web');
    expect(mine).toMatchObject([{ hostPort, containerPort: 80, protocol: 'tcp', complete: true }]);
    expect((await observed('web'))?.ipv4).toContain(mine[0]!.targetIp);
    expect(await outcome('web', { kind: 'unforward-ports' })).toBe('done');
    expect(await outcome('web', { kind: 'unforward-ports' })).toBe('adopted');
    expect((await readForwards()).filter((f) => f.project === project)).toEqual([]);
  });

  it('refuses to destroy a running container, and to snapshot a running origin (retryable)', async () => {
    const destroy = await run('web', { kind: 'destroy' });
    expect(destroy.ok).toBe(false);
    if (!destroy.ok) expect(destroy.error.code).toBe('HOST_PRECONDITION');
    expect((await observed('web'))?.state).toBe('RUNNING');

    const clone = await run('web3', { kind: 'clone', origin: lxcName('web'), snapshot: true });
    expect(clone.ok).toBe(false);
    if (!clone.ok) {
      expect(clone.error.code).toBe('HOST_PRECONDITION');
      expect(clone.error.retryable).toBe(true);
    }
    expect(await observed('web3')).toBeUndefined();
  });

  it('stops once; the repeat is adopted', async () => {
    expect(await outcome('web', { kind: 'stop' })).toBe('done');
    expect(await outcome('web', { kind: 'stop' })).toBe('adopted');
    expect((await observed('web'))?.state).toBe('STOPPED');
  });

  it('refuses to clone a missing origin', async () => {
    const r = await run('web4', { kind: 'clone', origin: lxcName('nosuch'), snapshot: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/does not exist/);
  });

  it('snapshot-clones a stopped origin; the clone inherits the block until it gets its own name', async () => {
    const params: ActionParams = { kind: 'clone', origin: lxcName('web'), snapshot: true };
    expect(await outcome('web2', params)).toBe('done');
    expect(await outcome('web2', params)).toBe('adopted');
    const inherited = await observed('web2');
    expect(inherited?.origin).toBe(lxcName('web'));
    expect(inherited?.managed?.container).toBe('web');

    expect(await outcome('web2', { kind: 'install-hostname-hook', fqdn: 'web2.example.test' })).toBe('done');
    const ro = [{ hostPath: hostData('www'), containerPath: '/www', readOnly: true }];
    expect(await outcome('web2', { kind: 'write-mounts', mounts: ro })).toBe('done');
    expect((await observed('web2'))?.managed).toEqual({ project, container: 'web2', fqdn: 'web2.example.test', mounts: ro });

    expect(await outcome('web2', { kind: 'start' })).toBe('done');
    expect((await inside('web2', 'hostname')).stdout).toBe('web2');
    expect((await inside('web2', 'cat', '/etc/hosts')).stdout.split('\n')).toContain('127.0.1.1\tweb2.example.test web2');
    expect((await inside('web2', 'cat', '/www/index.html')).stdout).toBe('from the host');
    // The origin's own files are untouched: the clone writes into its overlay delta.
    const originRootfs = path.join(env.lxcpath, lxcName('web'), 'rootfs');
    expect(await readFile(path.join(originRootfs, 'etc/hostname'), 'utf8')).toBe('web\n');
    // Delete a file of the image inside the clone: overlayfs records a whiteout in the delta.
    expect((await inside('web2', 'rm', '/etc/fstab')).exitCode).toBe(0);
  });

  it('copies out of an overlay clone: origin files, the delta over them, deleted files left out', async () => {
    expect(await outcome('web2', { kind: 'stop' })).toBe('done');
    const dest = hostData('web2-etc');
    expect(await outcome('web2', { kind: 'copy-out', mounts: [{ hostPath: dest, containerPath: '/etc', readOnly: false }] })).toBe(
      'done',
    );
    expect(await readFile(path.join(dest, 'hostname'), 'utf8')).toBe('web2\n'); // from the delta
    expect(await readdir(path.join(dest, 'init.d'))).toEqual(['rcS']); // from the origin
    await expect(lstat(path.join(dest, 'fstab'))).rejects.toMatchObject({ code: 'ENOENT' }); // whited out
    expect((await readdir(data)).filter((n) => n.includes('locker-copy'))).toEqual([]);
  });

  it('removes the hostname hook when the fqdn goes away', async () => {
    expect(await outcome('web2', { kind: 'install-hostname-hook' })).toBe('done');
    expect(await outcome('web2', { kind: 'install-hostname-hook' })).toBe('adopted');
    const text = await config('web2');
    expect(text).not.toContain('locker-hostname-hook');
    expect(text).not.toContain('# locker:fqdn=');
    expect((await observed('web2'))?.managed).toEqual({
      project,
      container: 'web2',
      mounts: [{ hostPath: hostData('www'), containerPath: '/www', readOnly: true }],
    });
  });

  it('runs parallel jobs for one container one at a time, so both land in its config', async () => {
    expect(await outcome('side', { kind: 'create', template: 'busybox', args: {} })).toBe('done');
    const mounts = [{ hostPath: hostData('side'), containerPath: '/srv/side', readOnly: false }];
    const [a, b] = await Promise.all([
      run('side', { kind: 'write-mounts', mounts }),
      run('side', { kind: 'install-hostname-hook', fqdn: 'side.example.test' }),
    ]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect((await observed('side'))?.managed).toEqual({ project, container: 'side', fqdn: 'side.example.test', mounts });
  });

  it('a start that fails carries the end of LXC\'s own log', async () => {
    await rm(hostData('side'), { recursive: true }); // the bind-mount source disappears behind Locker's back
    const r = await run('side', { kind: 'start' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('LXC_COMMAND_FAILED');
    expect(r.error.message).toBe(`lxc-start failed for ${lxcName('side')} (exit 1)`);
    expect(r.error.retryable).toBe(true);
    expect(r.error.detail).toContain('lxc log:');
    expect(r.error.detail).toContain(hostData('side'));
    expect((await observed('side'))?.state).toBe('STOPPED');
    expect(await outcome('side', { kind: 'destroy' })).toBe('done');
  });

  it('destroys clone then origin; repeats are adopted; the host data stays', async () => {
    const destroyWebFirst = await run('web', { kind: 'destroy' });
    expect(destroyWebFirst.ok).toBe(false);
    if (!destroyWebFirst.ok) expect(destroyWebFirst.error.message).toMatch(/has snapshot clones/);
    expect(await outcome('web2', { kind: 'destroy' })).toBe('done');
    expect(await outcome('web', { kind: 'destroy' })).toBe('done');
    expect(await outcome('web', { kind: 'destroy' })).toBe('adopted');
    expect((await agent.observe()).containers).toEqual([]);
    expect(await readFile(hostData('www', 'index.html'), 'utf8')).toBe('from the host\n');
    expect(await readFile(hostData('app.ini'), 'utf8')).toBe('color=blue\n');
    expect(await readFile(hostData('keep', 'mine.txt'), 'utf8')).toBe('host data\n');
    expect(await readdir(hostData('initd'))).toEqual(['rcS']);
  });
});
