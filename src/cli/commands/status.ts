// `status`: what runs on the hosts for this project, next to what the spec asks for.

import type { ObservedContainer } from '../../../plans/observed.js';
import { provisionCommands, provisionDigest } from '../../../plans/index.js';
import type { ContainerSpec } from '../../spec/types.js';
import type { CliArgs } from '../args.js';
import type { LockerErrorJSON } from '../../errors.js';
import { observeHosts, warnUnseenHosts, type HostsView } from '../make-plan.js';
import { formatAge, formatTable, printJson, type Io } from '../output.js';
import type { ProjectContext } from '../project-context.js';
import { progressOf, unfinishedRuns } from '../unfinished-runs.js';

export interface StatusRow {
  name: string;
  lxcName: string;
  host: string;
  state: string;
  ipv4: string[];
  fqdn: string | null;
  ports: string[];
  inSpec: boolean;
  /** What an unfinished run is doing to it, e.g. `retrying 2/5 (start)`. */
  progress: string | null;
  /**
   * Its `provision:` list: `done`, `failed` (the list as it is now failed: fix, then retry or up), `changed`
   * (another list ran), `pending` (never ran); null without a list or a container.
   */
  provision: ProvisionStatus | null;
}

export type ProvisionStatus = 'done' | 'failed' | 'changed' | 'pending';

function provisionOf(spec: ContainerSpec, project: string, o: ObservedContainer | undefined): ProvisionStatus | null {
  if (spec.provision === undefined || o === undefined) return null;
  const owned = o.managed?.project === project && o.managed.container === spec.name;
  const record = owned ? o.managed?.provision : undefined;
  if (record === undefined) return 'pending';
  if (record.digest !== provisionDigest(provisionCommands(spec))) return 'changed';
  return record.state;
}

function portLabel(p: { hostIp?: string; hostPort: number; containerPort: number; protocol: string; ipv6?: true }): string {
  // `[::]:8080` is IPv6 on every address, where IPv4's every address is written without one.
  const ip = p.ipv6 ? `[${p.hostIp ?? '::'}]:` : p.hostIp ? `${p.hostIp}:` : '';
  return `${ip}${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/** What `status --json` says of each host it shows containers of, and of each it could not see. */
export interface StatusHost {
  host: string;
  /** `down`: the rows show the state its agent last reported; `unseen`: nothing is known of it. */
  agent: 'up' | 'down' | 'unseen';
  /** How old the shown state is, when the agent is down. */
  stateAgeMs?: number;
  /** Why the host cannot be seen. */
  error?: LockerErrorJSON;
}

function describeHosts(view: HostsView, rows: readonly StatusRow[]): StatusHost[] {
  const shown = [...new Set([...rows.map((r) => r.host), ...view.unseen.keys()])].sort();
  return shown.map((host) => {
    const ageMs = view.down.get(host);
    if (ageMs !== undefined) return { host, agent: 'down', stateAgeMs: ageMs };
    const error = view.unseen.get(host);
    return error !== undefined ? { host, agent: 'unseen', error: error.toJSON() } : { host, agent: 'up' };
  });
}

export async function statusCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  // One host that cannot be seen must not hide the others: its containers are shown as UNKNOWN, and why.
  const view = await observeHosts(ctx, { tolerateUnseen: true });
  const { observed, down, unseen } = view;
  const runs = await unfinishedRuns(ctx);
  const rows: StatusRow[] = [];
  const seen = new Set<string>();
  const forwardsOf = (host: string, container: string) =>
    (observed.get(host)?.forwards ?? [])
      .filter((f) => f.project === ctx.project && f.container === container)
      .map((f) => portLabel(f) + (f.complete ? '' : ' (incomplete)'));
  const only = new Set(cli.rest);
  for (const c of ctx.desired.containers) {
    if (only.size > 0 && !only.has(c.name)) continue;
    const o: ObservedContainer | undefined = observed.get(c.host)?.containers.find((x) => x.name === c.lxcName);
    seen.add(`${c.host}/${c.lxcName}`);
    rows.push({
      name: c.name,
      lxcName: c.lxcName,
      host: c.host,
      state: o?.state ?? (unseen.has(c.host) ? 'UNKNOWN' : 'MISSING'),
      ipv4: o?.ipv4 ?? [],
      fqdn: o?.managed?.fqdn ?? c.fqdn ?? null,
      ports: forwardsOf(c.host, c.name),
      inSpec: true,
      progress: progressOf(runs, c.host, c.name) ?? null,
      provision: provisionOf(c, ctx.project, o),
    });
  }
  // Containers Locker made for this project that the spec no longer has: shown so nothing is hidden.
  for (const [host, o] of observed) {
    for (const c of o.containers) {
      if (c.managed?.project !== ctx.project || seen.has(`${host}/${c.name}`)) continue;
      if (only.size > 0 && !only.has(c.managed.container)) continue;
      rows.push({
        name: c.managed.container,
        lxcName: c.name,
        host,
        state: c.state,
        ipv4: c.ipv4,
        fqdn: c.managed.fqdn ?? null,
        ports: forwardsOf(host, c.managed.container),
        inSpec: false,
        progress: progressOf(runs, host, c.managed.container) ?? null,
        provision: null,
      });
    }
  }
  const hosts = describeHosts(view, rows);
  if (cli.options.json) {
    printJson(io, { project: ctx.project, containers: rows, downHosts: [...down.keys()], hosts });
    return 0;
  }
  const inSpec = new Set(ctx.hosts);
  const unseenWhere = (spec: boolean) => ({ ...view, unseen: new Map([...unseen].filter(([h]) => inSpec.has(h) === spec)) });
  warnUnseenHosts(io, unseenWhere(true), 'its containers are shown as UNKNOWN');
  warnUnseenHosts(io, unseenWhere(false), 'containers of the project left there are not shown');
  const hostLabel = (host: string): string => {
    const ageMs = down.get(host);
    if (ageMs !== undefined) return `${host} (down, last report ${formatAge(ageMs)} ago)`;
    return unseen.has(host) ? `${host} (not seen)` : host;
  };
  io.out(
    formatTable(
      ['NAME', 'HOST', 'STATE', 'IPV4', 'FQDN', 'PORTS', ...(runs.length > 0 ? ['RUN'] : [])],
      rows.map((r) => [
        r.inSpec ? r.lxcName : `${r.lxcName} (not in spec)`,
        hostLabel(r.host),
        r.provision === null || r.provision === 'done' ? r.state : `${r.state} (provision ${r.provision})`,
        r.ipv4.join(',') || '-',
        r.fqdn ?? '-',
        r.ports.join(', ') || '-',
        ...(runs.length > 0 ? [r.progress ?? '-'] : []),
      ]),
    ),
  );
  return 0;
}
