// Injection attempts on real LXC. Each field that reaches a command, a mount entry, a hook or a rule
// holds a command that would create a marker file; the real CLI refuses the spec before anything runs,
// and the marker never appears. Then the agent alone: hostile jobs (as a compromised control point
// would send them) and a symlink planted between plan and apply are refused with nothing changed.

import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgent } from '../../agents/index.js';
import type { ActionParams, PlannedAction } from '../../plans/types.js';
import type { JobResult } from '../../src/transport/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';

let env: LxcEnv;
let work: string;
let marker: string;

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  work = await mkdtemp('/tmp/locker-it-inject-');
  marker = `/tmp/locker-marker-${env.prefix}`;
}, 60_000);

afterAll(async () => {
  await env?.destroyAll();
  if (work) await rm(work, { recursive: true, force: true });
  if (marker) await rm(marker, { force: true });
}, 120_000);

/** Each payload as YAML double-quoted text: `\n` and `\0` arrive as a newline and a NUL. */
const payloads = (m: string): Array<[string, string]> => [
  ['$(...)', `$(touch ${m})`],
  ['backticks', `\`touch ${m}\``],
  ['a semicolon', `x;touch ${m}`],
  ['a newline', `x\\ntouch ${m}`],
  ['a #', `x#$(touch ${m})`],
  ['a leading -', `-o${m}`],
  ['NUL', `x\\0$(touch ${m})`],
];

/** Each field as the spec writes it, and the line it is on. */
const FIELDS: Array<{ field: string; spec: (p: string) => string; line: number }> = [
  { field: 'container name', spec: (p) => `"${p}":\n  template: busybox\n`, line: 1 },
  { field: 'template name', spec: (p) => `web:\n  template:\n    name: "${p}"\n`, line: 3 },
  { field: 'template path', spec: (p) => `web:\n  template:\n    name: "/usr/share/lxc/templates/${p}"\n`, line: 3 },
  { field: 'template argument name', spec: (p) => `web:\n  template:\n    name: busybox\n    "${p}": x\n`, line: 4 },
  { field: 'template argument value', spec: (p) => `web:\n  template:\n    name: busybox\n    release: "${p}"\n`, line: 4 },
  { field: 'clone origin', spec: (p) => `web:\n  clone: "${p}"\n`, line: 2 },
  { field: 'fqdn (the hostname hook)', spec: (p) => `web:\n  template: busybox\n  fqdn: "${p}"\n`, line: 3 },
  { field: 'host', spec: (p) => `web:\n  template: busybox\n  host: "${p}"\n`, line: 3 },
  { field: 'volume host path', spec: (p) => `web:\n  template: busybox\n  volumes: ["${work}/v/${p}:/data"]\n`, line: 3 },
  { field: 'relative volume host path', spec: (p) => `web:\n  template: busybox\n  volumes: ["${p}:/data"]\n`, line: 3 },
  { field: 'volume container path', spec: (p) => `web:\n  template: busybox\n  volumes: ["${work}/v:/data/${p}"]\n`, line: 3 },
  { field: 'port host address (a netfilter rule)', spec: (p) => `web:\n  template: busybox\n  ports: ["${p}:8080:80"]\n`, line: 3 },
  { field: 'allow_host_paths', spec: (p) => `web:\n  template: busybox\n  volumes: ["/etc/x:/x"]\n  allow_host_paths: ["/etc/${p}"]\n`, line: 4 },
];

async function containers(): Promise<string[]> {
  return (await env.lxc('lxc-ls', ['-1'])).stdout.split('\n').filter((l) => l.trim() !== '');
}

describe('the CLI refuses injection in every field before anything runs', () => {
  it.each(FIELDS)('$field', async ({ spec, line }) => {
    for (const [what, payload] of payloads(marker)) {
      await writeFile(path.join(work, 'locker.yml'), spec(payload));
      const r = await runLocker(['up', '--yes', '-P', env.lxcpath, '-p', env.prefix], { cwd: work });
      const context = `${what}\n${show(r)}`;
      expect(r.exitCode, context).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0], context).toMatch(new RegExp(`^error\\[SPEC_INVALID\\] locker\\.yml:${line}:\\d+: `));
      expect(lines.filter((l) => l.startsWith('error')), context).toHaveLength(1);
      expect(r.stderr, context).not.toMatch(/^\s+at .*\.js:\d+/m); // no stack trace
      expect(existsSync(marker), context).toBe(false);
    }
    expect(await containers()).toEqual([]);
  });

  it('the project name (-p)', async () => {
    await writeFile(path.join(work, 'locker.yml'), 'web:\n  template: busybox\n');
    for (const [what, payload] of payloads(marker)) {
      const name = payload.replace(/\\n/g, '\n').replace(/\\0/g, '');
      const r = await runLocker(['up', '--yes', '-P', env.lxcpath, `--project=${name}`], { cwd: work });
      expect(r.exitCode, `${what}\n${show(r)}`).toBe(1);
      expect(r.stderr, what).toMatch(/^error\[SPEC_INVALID\] invalid project name ".*": a project name is 1-63 characters/);
      expect(existsSync(marker)).toBe(false);
    }
    expect(await containers()).toEqual([]);
  });
});

describe('the agent refuses hostile jobs on its own', () => {
  let agent: LocalAgent;
  let data: string;
  let attempt = 0;
  const project = () => env.prefix;

  async function run(container: string, params: ActionParams, over: Partial<PlannedAction> = {}): Promise<JobResult> {
    attempt += 1;
    const action = makeAction(params, { project: project(), container, lxcName: `${over.project ?? project()}_${container}`, ...over });
    return agent.runJob(makeJob(action, { runId: 'run-inject-it', planId: 'plan-inject-it', attempt }));
  }

  async function refused(container: string, params: ActionParams, over: Partial<PlannedAction> = {}): Promise<JobResult & { ok: false }> {
    const r = await run(container, params, over);
    expect(r.ok, JSON.stringify(r)).toBe(false);
    return r as JobResult & { ok: false };
  }

  const config = () => readFile(path.join(env.lxcpath, `${project()}_web`, 'config'), 'utf8');

  beforeAll(async () => {
    agent = new LocalAgent({ host: 'local', lxcpath: env.lxcpath });
    data = await mkdtemp('/tmp/locker-it-inject-data-');
    // A real container, so that a mount job that got through would really change its config.
    const created = await run('web', { kind: 'create', template: 'busybox', args: {} });
    expect(created.ok, JSON.stringify(created)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    if (data) await rm(data, { recursive: true, force: true });
  });

  it('refuses a marker command in every field of a job, and runs nothing', async () => {
    const before = await containers();
    for (const [, raw] of payloads(marker)) {
      const p = raw.replace(/\\n/g, '\n').replace(/\\0/g, '\0');
      const jobs: Array<[string, ActionParams, Partial<PlannedAction>]> = [
        ['c', { kind: 'create', template: 'busybox', args: {} }, { container: p, lxcName: `${project()}_${p}` }],
        ['c', { kind: 'create', template: 'busybox', args: {} }, { project: p, lxcName: `${p}_c` }],
        ['c', { kind: 'create', template: p, args: {} }, {}],
        ['c', { kind: 'create', template: `/usr/share/lxc/templates/${p}`, args: {} }, {}],
        ['c', { kind: 'create', template: 'busybox', args: { release: p } }, {}],
        ['c', { kind: 'create', template: 'busybox', args: { [p]: 'x' } }, {}],
        ['c', { kind: 'clone', origin: p, snapshot: false }, {}],
        ['web', { kind: 'install-hostname-hook', fqdn: p }, {}],
        ['web', { kind: 'write-mounts', mounts: [{ hostPath: `${data}/${p}`, containerPath: '/data', readOnly: false }] }, {}],
        ['web', { kind: 'write-mounts', mounts: [{ hostPath: `${data}/ok`, containerPath: `/data/${p}`, readOnly: false }] }, {}],
        ['web', { kind: 'copy-out', mounts: [{ hostPath: `${data}/${p}`, containerPath: '/data', readOnly: false }] }, {}],
        ['web', { kind: 'forward-ports', ports: [{ protocol: 'tcp', hostIp: p, hostPort: 18080, containerPort: 80 }] }, {}],
      ];
      for (const [container, params, over] of jobs) {
        const r = await refused(container, params, over);
        expect(r.error.code, JSON.stringify(params)).toBe('PLAN_INVALID');
      }
    }
    expect(existsSync(marker)).toBe(false);
    expect(await containers()).toEqual(before);
    expect(await readdir(data)).toEqual([]);
  });

  it('refuses a forbidden host path unless the job allows exactly it', async () => {
    const before = await config();
    const r = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: '/etc', containerPath: '/host-etc', readOnly: true }] });
    expect(r.error.code).toBe('PLAN_INVALID');
    expect(r.error.message).toMatch(/host path \/etc is protected/);
    expect(await config()).toBe(before);
  });

  it('catches a symlink into /etc planted after the plan, before writing the mount entry', async () => {
    const link = path.join(data, 'www');
    await symlink('/etc', link); // the plan saw (or would have created) a plain folder here
    const before = await config();
    const etc = await readdir('/etc');
    const r = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: link, containerPath: '/www', readOnly: false }] });
    expect(r.error.code).toBe('HOST_PRECONDITION');
    expect(r.error.message).toBe(`host path ${link} resolves to /etc: host path /etc is protected: mounting it would expose the host's configuration (passwords, sudoers, cron)`);
    expect(r.error.retryable).toBe(false);
    expect(await config()).toBe(before);
    // A missing folder under the link would have been created through it, in /etc.
    const deeper = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: path.join(link, `locker-${env.prefix}`), containerPath: '/www', readOnly: false }] });
    expect(deeper.error.message).toMatch(new RegExp(`resolves to /etc/locker-${env.prefix}: host path /etc/locker-${env.prefix} is inside /etc`));
    // copy-out writes into host folders too.
    const copy = await refused('web', { kind: 'copy-out', mounts: [{ hostPath: path.join(link, `locker-${env.prefix}`), containerPath: '/etc', readOnly: false }] });
    expect(copy.error.code).toBe('HOST_PRECONDITION');
    expect(await readdir('/etc')).toEqual(etc);
    expect(await config()).toBe(before);
  });

  it("catches a symlink into the agent's own lxcpath, and the lxcpath itself", async () => {
    const link = path.join(data, 'sneaky');
    await symlink(path.join(env.lxcpath, `${project()}_web`), link);
    const before = await config();
    const r = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: link, containerPath: '/x', readOnly: false }] });
    expect(r.error.code).toBe('HOST_PRECONDITION');
    expect(r.error.message).toMatch(/is inside .*: mounting it would expose this host's containers \(its lxcpath\)$/);
    const direct = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: env.lxcpath, containerPath: '/x', readOnly: false }] });
    expect(direct.error.message).toMatch(/is protected: mounting it would expose this host's containers/);
    expect(await config()).toBe(before);
  });

  it('refuses a dangling symlink, which mkdir would follow later', async () => {
    const link = path.join(data, 'dangling');
    await symlink(`/etc/locker-nothing-${env.prefix}/x`, link);
    const r = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: link, containerPath: '/x', readOnly: false }] });
    expect(r.error.code).toBe('HOST_PRECONDITION');
    expect(r.error.message).toMatch(/a symlink that points nowhere$/);
    expect(existsSync(`/etc/locker-nothing-${env.prefix}`)).toBe(false);
  });

  it('lets an opt-in through when the real path is exactly the allowed one', async () => {
    const link = path.join(data, 'certs');
    await symlink('/etc/ssl/certs', link);
    const ok = await run('web', { kind: 'write-mounts', mounts: [{ hostPath: link, containerPath: '/certs', readOnly: true }], allowed: ['/etc/ssl/certs'] });
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    expect(await config()).toContain(`lxc.mount.entry = ${link} certs none bind,ro,create=dir 0 0`);
    // An allowance for the link's own path does not cover where it leads.
    const r = await refused('web', { kind: 'write-mounts', mounts: [{ hostPath: link, containerPath: '/certs', readOnly: true }], allowed: [link] });
    expect(r.error.message).toMatch(/resolves to \/etc\/ssl\/certs/);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });

  it('writes the mounts of plain folders as before', async () => {
    await mkdir(path.join(data, 'plain'));
    const ok = await run('web', { kind: 'write-mounts', mounts: [{ hostPath: path.join(data, 'plain'), containerPath: '/plain', readOnly: false }] });
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
  });
});
