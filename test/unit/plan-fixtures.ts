// Builders of DesiredState and ObservedHost for planner tests, made directly (not through the loader).
// Positions are synthetic but deterministic: a container at line L has its ports and volumes below it.

import { createHash } from 'node:crypto';
import type { ContainerSpec, DesiredState, PortSpec, SpecRef, VolumeSpec } from '../../src/spec/types.js';
import type { ContainerState, ObservedBridge, ObservedContainer, ObservedForward, ObservedHost } from '../../plans/index.js';
import { eui64InterfaceId, formatIpv6, ipv6Groups, type ProvisionCommand } from '../../src/rules/index.js';
import { provisionCommands, provisionDigest } from '../../plans/index.js';

export const FILE = 'locker.yml';
export const PROJECT = 'demo';

function ref(line: number, col: number, path: string): SpecRef {
  return { file: FILE, line, col, path };
}

export interface ContainerOptions {
  host?: string;
  line?: number;
  template?: string;
  /** Short name of an origin in the project, or `!name` for an LXC container outside it. */
  clone?: string;
  snapshot?: boolean;
  ports?: string[];
  volumes?: string[];
  fqdn?: string;
  dependsOn?: string[];
  ipv4?: string;
  bridge?: string;
  /** `db` or `db:alias`. */
  links?: string[];
  autostart?: boolean;
  /** Commands (`{run, env}` or a bare string). */
  provision?: Array<string | ProvisionCommand>;
}

/** `8080:80`, `8080:80/udp`, `192.168.2.123:8002:8002`, `[::]:8080:80`, `[2001:db8::1]:8080:80` (canonical addresses only). */
function parsePort(raw: string, r: SpecRef): PortSpec {
  const [body, protocol = 'tcp'] = raw.split('/');
  const v6 = /^\[([0-9a-f:]*)\]:(.*)$/.exec(body as string);
  const parts = (v6 ? (v6[2] as string) : (body as string)).split(':');
  const containerPort = Number(parts.pop());
  const hostPort = Number(parts.pop());
  const port: PortSpec = { hostPort, containerPort, protocol: protocol as 'tcp' | 'udp', raw, ref: r };
  if (v6) port.ipv6 = true;
  if (v6 && v6[1] !== '::') port.hostIp = v6[1];
  if (!v6 && parts.length > 0) port.hostIp = parts.join(':');
  return port;
}

function parseVolume(raw: string, r: SpecRef): VolumeSpec {
  const [hostPath, containerPath, mode] = raw.split(':');
  return { hostPath: hostPath as string, containerPath: containerPath as string, readOnly: mode === 'ro', raw, ref: r };
}

export function container(name: string, options: ContainerOptions = {}): ContainerSpec {
  const line = options.line ?? 1;
  const path = name;
  const clone = options.clone;
  const source: ContainerSpec['source'] =
    clone === undefined
      ? { kind: 'template', template: options.template ?? 'busybox', args: {}, ref: ref(line + 1, 3, `${path}.template`) }
      : clone.startsWith('!')
        ? { kind: 'clone', origin: clone.slice(1), snapshot: options.snapshot ?? false, ref: ref(line + 1, 3, `${path}.clone`) }
        : {
            kind: 'clone',
            origin: `${PROJECT}_${clone}`,
            originInProject: clone,
            snapshot: options.snapshot ?? false,
            ref: ref(line + 1, 3, `${path}.clone`),
          };
  const spec: ContainerSpec = {
    name,
    lxcName: `${PROJECT}_${name}`,
    host: options.host ?? 'local',
    source,
    volumes: (options.volumes ?? []).map((v, i) => parseVolume(v, ref(line + 3 + i, 7, `${path}.volumes[${i}]`))),
    ports: (options.ports ?? []).map((p, i) => parsePort(p, ref(line + 8 + i, 7, `${path}.ports[${i}]`))),
    dependsOn: options.dependsOn ?? [],
    network: { bridge: { name: options.bridge ?? 'lxcbr0', ref: ref(line, 1, path) } },
    links: (options.links ?? []).map((l, i) => {
      const [target, alias] = l.split(':') as [string, string | undefined];
      return { target, alias: alias ?? target, ref: ref(line + 12 + i, 7, `${path}.links[${i}]`) };
    }),
    autostart: options.autostart ?? false,
    ref: ref(line, 1, path),
  };
  if (options.ipv4 !== undefined) spec.network.ipv4 = { address: options.ipv4, ref: ref(line + 11, 11, `${path}.ipv4`) };
  if (options.fqdn !== undefined) spec.fqdn = options.fqdn;
  if (options.provision !== undefined && options.provision.length > 0) {
    spec.provision = options.provision.map((c, i) => ({ ...(typeof c === 'string' ? { run: c } : c), ref: ref(line + 16 + i, 7, `${path}.provision[${i}]`) }));
  }
  return spec;
}

export function desired(...containers: ContainerSpec[]): DesiredState {
  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : 1));
  const digest = createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
  return { project: PROJECT, file: FILE, digest, containers: sorted };
}

/** Address a converged container would have: stable per name. */
export function addressOf(spec: ContainerSpec): string {
  const n = [...spec.name].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  return `10.0.3.${(n % 200) + 10}`;
}

/** MAC a converged container would have: stable per name. */
export function macOf(spec: ContainerSpec): string {
  const n = [...spec.name].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  return `02:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

/** IPv6 address a converged container would have: the bridge's prefix and the MAC's EUI-64 id. */
export function ipv6AddressOf(spec: ContainerSpec): string {
  return formatIpv6(ipv6Groups(`fd42::${eui64InterfaceId(macOf(spec))}`)!);
}

/** Every fixture host's bridge: lxcbr0 with both families, lxc-net's dnsmasq reading Locker's reservations. */
export const BRIDGE: ObservedBridge = { name: 'lxcbr0', ipv4: { address: '10.0.3.1', prefix: 24 }, ipv6: { address: 'fd42::1', prefix: 64 }, dhcp: 'reservations' };

/** The container exactly as Locker would have left it after `up`. */
export function observedOf(spec: ContainerSpec, state: ContainerState = 'RUNNING'): ObservedContainer {
  const observed: ObservedContainer = {
    name: spec.lxcName,
    state,
    ipv4: state === 'RUNNING' ? [addressOf(spec)] : [],
    managed: {
      project: PROJECT,
      container: spec.name,
      mounts: spec.volumes.map((v) => ({ hostPath: v.hostPath, containerPath: v.containerPath, readOnly: v.readOnly })),
      network: { bridge: spec.network.bridge.name, mac: macOf(spec), ipv4: spec.network.ipv4?.address ?? addressOf(spec), ipv6: ipv6AddressOf(spec) },
    },
  };
  if (state === 'RUNNING') observed.ipv6 = [ipv6AddressOf(spec)];
  if (spec.fqdn !== undefined && observed.managed) observed.managed.fqdn = spec.fqdn;
  if (spec.autostart && observed.managed) observed.managed.autostartOrder = spec.dependsOn.length === 0 ? 0 : 1;
  if (spec.source.kind === 'clone' && spec.source.snapshot) observed.origin = spec.source.origin;
  if (spec.provision !== undefined && observed.managed) observed.managed.provision = { digest: provisionDigest(provisionCommands(spec)), state: 'done' };
  if (spec.cgroup !== undefined && observed.managed) observed.managed.cgroup = spec.cgroup.map(({ key, value }) => ({ key, value }));
  if (spec.config !== undefined && observed.managed) observed.managed.config = spec.config.flatMap(({ key, values }) => values.map((value) => ({ key, value })));
  return observed;
}

/** The forwards Locker would have left for the container. */
export function forwardsOf(spec: ContainerSpec): ObservedForward[] {
  return spec.ports.map((p) => {
    const f: ObservedForward = {
      project: PROJECT,
      container: spec.name,
      protocol: p.protocol,
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      targetIp: p.ipv6 ? ipv6AddressOf(spec) : addressOf(spec),
      complete: true,
    };
    if (p.hostIp !== undefined) f.hostIp = p.hostIp;
    if (p.ipv6) f.ipv6 = true;
    return f;
  });
}

export function host(name: string, containers: ObservedContainer[] = [], forwards: ObservedForward[] = []): ObservedHost {
  return {
    host: name,
    lxcpath: `/var/lib/lxc`,
    containers: [...containers].sort((a, b) => (a.name < b.name ? -1 : 1)),
    forwards,
    netns: `netns-of-${name}`,
    bridges: [BRIDGE],
    addresses: [],
    cgroup2: ['cpu', 'cpuset', 'io', 'memory', 'pids'],
    cgroup1: [],
  };
}

export function world(...hosts: ObservedHost[]): Map<string, ObservedHost> {
  return new Map(hosts.map((h) => [h.host, h]));
}

/** One `local` host where every given container is converged, in the given state (RUNNING by default). */
export function convergedLocal(specs: ContainerSpec[], states: Record<string, ContainerState> = {}): Map<string, ObservedHost> {
  const containers = specs.map((s) => observedOf(s, states[s.name] ?? 'RUNNING'));
  // Rules outlive a stop (lxc-stop does not touch netfilter), so a stopped container keeps its forwards.
  const forwards = specs.flatMap(forwardsOf);
  return world(host('local', containers, forwards));
}
