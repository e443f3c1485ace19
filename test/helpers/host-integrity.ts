// What the hosts say after a fault: each container exists once, on its own host; each mount line
// appears once in its config's Locker block; each forwarded port has exactly its 4 tagged rules.
// Reads only (lxc-ls, the config files, iptables-save); every finding is a line in `problems`.

import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ExpectedPort {
  hostPort: number;
  containerPort: number;
  protocol?: 'tcp' | 'udp';
  hostIp?: string;
}

export interface ExpectedContainer {
  /** The short name from the spec; on the host it is `<project>_<name>`. */
  name: string;
  /** Host paths of its volumes: each must have exactly one mount line in the Locker block. */
  mounts?: string[];
  ports?: ExpectedPort[];
}

export interface ExpectedHost {
  /** The agent host name that tags its rules (`local` in embedded mode). */
  host: string;
  lxcpath: string;
  containers: ExpectedContainer[];
}

export interface HostReport {
  problems: string[];
  /** Effects present more than once: extra mount lines, extra rules of a port. */
  duplicates: number;
}

const BEGIN = '# locker:begin';
const END = '# locker:end';

export async function checkHosts(project: string, hosts: readonly ExpectedHost[]): Promise<HostReport> {
  const report: HostReport = { problems: [], duplicates: 0 };
  await checkContainers(project, hosts, report);
  for (const h of hosts) {
    for (const c of h.containers) await checkMounts(h.lxcpath, `${project}_${c.name}`, c.mounts ?? [], report);
  }
  await checkRules(project, hosts, report);
  return report;
}

/** The project's containers of one lxcpath, from `lxc-ls -P LXCPATH -1`. */
export async function projectContainers(lxcpath: string, project: string): Promise<string[]> {
  const { stdout } = await execa('lxc-ls', ['-P', lxcpath, '-1'], { stdin: 'ignore' });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${project}_`));
}

async function checkContainers(project: string, hosts: readonly ExpectedHost[], report: HostReport): Promise<void> {
  const seen = new Map<string, string[]>();
  for (const h of hosts) {
    for (const name of await projectContainers(h.lxcpath, project)) seen.set(name, [...(seen.get(name) ?? []), h.host]);
  }
  const wanted = new Map<string, string>();
  for (const h of hosts) for (const c of h.containers) wanted.set(`${project}_${c.name}`, h.host);
  for (const [name, host] of wanted) {
    const where = seen.get(name) ?? [];
    if (where.length === 0) report.problems.push(`container ${name} is missing on ${host}`);
    else if (where.length > 1 || where[0] !== host) report.problems.push(`container ${name} exists on ${where.join(', ')}, wanted once on ${host}`);
  }
  for (const [name, where] of seen) {
    if (!wanted.has(name)) report.problems.push(`container ${name} on ${where.join(', ')} is not in the spec`);
  }
}

async function checkMounts(lxcpath: string, lxcName: string, mounts: readonly string[], report: HostReport): Promise<void> {
  const file = path.join(lxcpath, lxcName, 'config');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // reported as a missing container
    throw e;
  }
  const lines = text.split('\n').map((l) => l.trim());
  const begins = lines.flatMap((l, i) => (l === BEGIN || l.startsWith(`${BEGIN} `) ? [i] : []));
  const ends = lines.flatMap((l, i) => (l === END ? [i] : []));
  if (begins.length !== 1 || ends.length !== 1 || ends[0]! < begins[0]!) {
    report.problems.push(`${file}: ${begins.length} "${BEGIN}" and ${ends.length} "${END}" lines, wanted one block`);
    if (begins.length > 1) report.duplicates += begins.length - 1;
    return;
  }
  const entries = lines.slice(begins[0]! + 1, ends[0]!).filter((l) => /^lxc\.mount\.entry\s*=/.test(l));
  const hostPathOf = (entry: string) => entry.replace(/^lxc\.mount\.entry\s*=\s*/, '').split(/\s+/)[0];
  for (const hostPath of mounts) {
    const n = entries.filter((e) => hostPathOf(e) === hostPath).length;
    if (n !== 1) report.problems.push(`${file}: ${n} mount lines for ${hostPath} in the Locker block, wanted 1`);
    if (n > 1) report.duplicates += n - 1;
  }
  for (const entry of entries) {
    if (!mounts.includes(hostPathOf(entry)!)) report.problems.push(`${file}: unexpected mount line "${entry}"`);
  }
}

/** The tag a port's rules carry: `locker:PROJECT:CONTAINER:PROTO:HOSTIP_OR_*:HOSTPORT:CPORT:HOST`. */
export function portTag(project: string, container: string, host: string, p: ExpectedPort): string {
  return `locker:${project}:${container}:${p.protocol ?? 'tcp'}:${p.hostIp ?? '*'}:${p.hostPort}:${p.containerPort}:${host}`;
}

async function checkRules(project: string, hosts: readonly ExpectedHost[], report: HostReport): Promise<void> {
  const { stdout } = await execa('iptables-save', [], { stdin: 'ignore' });
  const counts = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const comment = /--comment "?([^"\s]+)"?/.exec(line)?.[1];
    if (comment === undefined || !comment.startsWith(`locker:${project}:`)) continue;
    counts.set(comment, (counts.get(comment) ?? 0) + 1);
  }
  const wanted = new Set<string>();
  for (const h of hosts) {
    for (const c of h.containers) for (const p of c.ports ?? []) wanted.add(portTag(project, c.name, h.host, p));
  }
  for (const tag of wanted) {
    const n = counts.get(tag) ?? 0;
    if (n !== 4) report.problems.push(`${n} rules tagged ${tag}, wanted 4`);
    if (n > 4) report.duplicates += n - 4;
  }
  for (const [tag, n] of counts) {
    if (!wanted.has(tag)) report.problems.push(`${n} rules tagged ${tag}, which is not a port of the spec`);
  }
}
