// A synthetic project of N containers and what a host reports about it, built in code for the planner.
// Mixed like a real spec: template bases, snapshot clones of them, volumes, ports, fqdns, depends_on.

import type { ObservedContainer, ObservedForward, ObservedHost } from '../plans/observed.js';
import { intToIpv4, ipv4ToInt } from '../src/rules/ipv4.js';
import type { ContainerSpec, DesiredState, PortSpec, SpecRef, VolumeSpec } from '../src/spec/types.js';

export type PlanScenario = 'converged' | 'half' | 'down';
export const PROJECT = 'benchplan';
const HOST = 'local';
const FILE = 'locker.yml';

const short = (i: number) => `c${String(i).padStart(6, '0')}`;
const lxc = (i: number) => `${PROJECT}_${short(i)}`;
const ref = (i: number, what: string): SpecRef => ({ file: FILE, line: i * 6 + 2, col: 5, path: `containers.${short(i)}${what}` });
/** Addresses on one /8 bridge, the bridge itself at 10.0.0.1. */
const ipOf = (i: number) => intToIpv4(ipv4ToInt('10.0.0.2') + i);
const macOf = (i: number) => `02:00:${[24, 16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, '0')).join(':')}`;
const BRIDGE = 'lxcbr0';
/** Every tenth container is a template base; a third of the others are snapshot clones of their base. */
const baseOf = (i: number) => Math.floor(i / 10) * 10;
const isClone = (i: number) => i % 10 !== 0 && i % 3 === 0;

function volumes(i: number): VolumeSpec[] {
  if (i % 5 !== 0) return [];
  const v: VolumeSpec[] = [
    { hostPath: `/srv/${PROJECT}/${short(i)}/data`, containerPath: '/data', readOnly: false, raw: '', ref: ref(i, '.volumes[0]') },
  ];
  if (i % 10 === 0) v.push({ hostPath: `/srv/${PROJECT}/shared`, containerPath: '/shared', readOnly: true, raw: '', ref: ref(i, '.volumes[1]') });
  for (const x of v) x.raw = `${x.hostPath}:${x.containerPath}${x.readOnly ? ':ro' : ''}`;
  return v;
}

function ports(i: number): PortSpec[] {
  if (i % 10 !== 1) return [];
  const hostPort = 1024 + Math.floor(i / 10);
  return [{ hostPort, containerPort: 80, protocol: 'tcp', raw: `${hostPort}:80`, ref: ref(i, '.ports[0]') }];
}

export function desiredState(n: number): DesiredState {
  const containers: ContainerSpec[] = [];
  for (let i = 0; i < n; i++) {
    const spec: ContainerSpec = {
      name: short(i),
      lxcName: lxc(i),
      host: HOST,
      source: isClone(i)
        ? { kind: 'clone', origin: lxc(baseOf(i)), originInProject: short(baseOf(i)), snapshot: true, ref: ref(i, '.clone') }
        : { kind: 'template', template: 'busybox', args: {}, ref: ref(i, '.template') },
      volumes: volumes(i),
      ports: ports(i),
      dependsOn: i % 20 === 5 ? [short(baseOf(i))] : [],
      network: { bridge: { name: BRIDGE, ref: ref(i, '') } },
      links: [],
      autostart: false,
      ref: ref(i, ''),
    };
    if (i % 7 === 0) spec.fqdn = `${short(i)}.bench.example.net`;
    containers.push(spec);
  }
  return { project: PROJECT, file: FILE, digest: 'f'.repeat(64), containers };
}

/** `half`: every odd container is missing (with its forwards); otherwise all exist as the spec says, running. */
export function observedHost(n: number, scenario: PlanScenario): ObservedHost {
  const containers: ObservedContainer[] = [];
  const forwards: ObservedForward[] = [];
  for (let i = 0; i < n; i++) {
    if (scenario === 'half' && i % 2 === 1) continue;
    const c: ObservedContainer = {
      name: lxc(i),
      state: 'RUNNING',
      ipv4: [ipOf(i)],
      managed: {
        project: PROJECT,
        container: short(i),
        mounts: volumes(i).map((v) => ({ hostPath: v.hostPath, containerPath: v.containerPath, readOnly: v.readOnly })),
        network: { bridge: BRIDGE, mac: macOf(i), ipv4: ipOf(i) },
      },
    };
    if (i % 7 === 0) c.managed!.fqdn = `${short(i)}.bench.example.net`;
    if (isClone(i)) c.origin = lxc(baseOf(i));
    containers.push(c);
    for (const p of ports(i)) {
      forwards.push({
        project: PROJECT,
        container: short(i),
        protocol: p.protocol,
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        targetIp: ipOf(i),
        complete: true,
      });
    }
  }
  return {
    host: HOST,
    lxcpath: '/var/lib/lxc',
    containers,
    forwards,
    netns: 'bench',
    bridges: [{ name: BRIDGE, ipv4: { address: '10.0.0.1', prefix: 8 }, dhcp: 'reservations' }],
    addresses: [],
  };
}
