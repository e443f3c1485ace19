// An ObservedHost as an agent reports it (observe replies, heartbeats). Loose objects: a newer agent may
// report more than this version reads; a container state it does not know is UNKNOWN.

import { z } from 'zod';
import type { ContainerState, ObservedHost } from '../../../plans/observed.js';

const STATES = ['RUNNING', 'STOPPED', 'STARTING', 'STOPPING', 'FROZEN', 'ABORTING', 'UNKNOWN'] as const satisfies readonly ContainerState[];

const mount = z.looseObject({ hostPath: z.string(), containerPath: z.string(), readOnly: z.boolean() });

const managed = z.looseObject({
  project: z.string(),
  container: z.string(),
  mounts: z.array(mount),
  fqdn: z.string().optional(),
  network: z.looseObject({ bridge: z.string(), mac: z.string(), ipv4: z.string(), ipv6: z.string().optional() }).optional(),
  autostartOrder: z.number().int().optional(),
  provision: z.looseObject({ digest: z.string(), state: z.enum(['done', 'failed']) }).optional(),
  cgroup: z.array(z.looseObject({ key: z.string(), value: z.string(), v1: z.literal(true).optional() })).optional(),
  config: z.array(z.looseObject({ key: z.string(), value: z.string() })).optional(),
  dns: z.array(z.string()).optional(),
});

const container = z.looseObject({
  name: z.string(),
  state: z.enum(STATES).catch('UNKNOWN'),
  ipv4: z.array(z.string()),
  ipv6: z.array(z.string()).optional(),
  origin: z.string().optional(),
  managed: managed.optional(),
  idmapBase: z.number().int().nonnegative().optional(),
  links: z.array(z.string()).optional(),
  dns: z.array(z.string()).optional(),
});

const forward = z.looseObject({
  project: z.string(),
  container: z.string(),
  protocol: z.enum(['tcp', 'udp']),
  hostIp: z.string().optional(),
  hostPort: z.number().int(),
  containerPort: z.number().int(),
  ipv6: z.literal(true).optional(),
  targetIp: z.string(),
  complete: z.boolean(),
});

const subnet = z.looseObject({ address: z.string(), prefix: z.number().int() });

const bridge = z.looseObject({
  name: z.string(),
  ipv4: subnet.optional(),
  ipv6: subnet.optional(),
  dhcp: z.enum(['reservations', 'unreserved', 'none']),
});

const heldAddress = z.looseObject({
  ip: z.string(),
  kind: z.enum(['claim', 'lease', 'config', 'live']),
  holder: z.string(),
  lxcpath: z.string().optional(),
  container: z.string().optional(),
  mac: z.string().optional(),
  bridge: z.string().optional(),
});

export const observedHostSchema: z.ZodType<ObservedHost, unknown> = z.looseObject({
  host: z.string(),
  lxcpath: z.string(),
  containers: z.array(container),
  forwards: z.array(forward),
  netns: z.string(),
  bridges: z.array(bridge),
  addresses: z.array(heldAddress),
  hostPaths: z.record(z.string(), z.enum(['missing', 'empty', 'occupied'])).optional(),
  cgroup2: z.array(z.string()).optional(),
  cgroup1: z.array(z.string()).optional(),
  nameservers: z.looseObject({ usable: z.array(z.string()), skipped: z.array(z.string()) }).optional(),
});
