// The plan file's schema: a saved plan is read back only if it is exactly a Plan.
// Strict objects: an unknown key means a hand-edited or foreign file, not something to ignore.

import { z } from 'zod';
import { PORT_MAX, PORT_MIN, PROTOCOLS } from '../src/rules/ports.js';
import { MAX_STOP_TIMEOUT_S } from '../src/rules/stop-timeout.js';
import { ACTION_KINDS, CHANGE_SYMBOLS, PLAN_MODES, type Plan } from './types.js';

// Built once, on first use (z.lazy): constructing them takes milliseconds that a command reading no plan file and
// sending no job (`plan`, `status`) need not pay.
let built: ReturnType<typeof buildSchemas> | undefined;
function buildSchemas() {
  const specRef = z.strictObject({
    file: z.string(),
    line: z.number().int().positive(),
    col: z.number().int().positive(),
    path: z.string(),
  });

  const mount = z.strictObject({ hostPath: z.string(), containerPath: z.string(), readOnly: z.boolean() });

  const forward = z.strictObject({
    protocol: z.enum(PROTOCOLS),
    hostIp: z.string().optional(),
    hostPort: z.number().int().min(PORT_MIN).max(PORT_MAX),
    containerPort: z.number().int().min(PORT_MIN).max(PORT_MAX),
    ipv6: z.literal(true).optional(),
  });

  const network = {
    bridge: z.string(),
    mac: z.string(),
    ipv4: z.string(),
    prefix: z.number().int().min(0).max(32),
    gateway: z.string(),
    ipv6: z.strictObject({ address: z.string(), prefix: z.number().int().min(0).max(128), gateway: z.string() }).optional(),
    reserve: z.boolean(),
    previousMac: z.string().optional(),
  };

  const linkEntry = z.strictObject({ ip: z.string(), names: z.array(z.string()) });

  const params = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('create'), template: z.string(), args: z.record(z.string(), z.string()), unprivileged: z.literal(true).optional() }),
    z.strictObject({ kind: z.literal('clone'), origin: z.string(), snapshot: z.boolean(), unprivileged: z.literal(true).optional() }),
    z.strictObject({ kind: z.literal('copy-out'), mounts: z.array(mount), allowed: z.array(z.string()).optional() }),
    z.strictObject({ kind: z.literal('write-mounts'), mounts: z.array(mount), allowed: z.array(z.string()).optional() }),
    z.strictObject({ kind: z.literal('install-hostname-hook'), fqdn: z.string().optional() }),
    z.strictObject({ kind: z.literal('set-network'), ...network }),
    z.strictObject({ kind: z.literal('write-links'), entries: z.array(linkEntry) }),
    z.strictObject({ kind: z.literal('set-autostart'), autostart: z.boolean(), order: z.number().int().min(0) }),
    z.strictObject({ kind: z.literal('set-dns'), nameservers: z.array(z.string()) }),
    z.strictObject({ kind: z.literal('set-limits'), settings: z.array(z.strictObject({ key: z.string(), value: z.string(), v1: z.literal(true).optional() })) }),
    z.strictObject({
      kind: z.literal('set-config'),
      lines: z.array(z.strictObject({ key: z.string(), value: z.string() })),
      allowed: z.array(z.string()).optional(),
    }),
    z.strictObject({ kind: z.literal('start') }),
    z.strictObject({
      kind: z.literal('provision'),
      commands: z.array(z.strictObject({ run: z.string(), env: z.record(z.string(), z.string()).optional() })).min(1),
    }),
    z.strictObject({
      kind: z.literal('forward-ports'),
      ports: z.array(forward),
      targetIp: z.string().optional(),
      targetIp6: z.string().optional(),
    }),
    z.strictObject({ kind: z.literal('unforward-ports') }),
    z.strictObject({ kind: z.literal('stop'), timeoutSeconds: z.number().int().min(0).max(MAX_STOP_TIMEOUT_S).optional() }),
    z.strictObject({ kind: z.literal('freeze') }),
    z.strictObject({ kind: z.literal('unfreeze') }),
    z.strictObject({ kind: z.literal('destroy') }),
  ]);

  const action = z.strictObject({
    id: z.string().min(1),
    host: z.string().min(1),
    project: z.string().min(1),
    container: z.string().min(1),
    lxcName: z.string().min(1),
    kind: z.enum(ACTION_KINDS),
    // Plans saved before `>` and `||` drew starts as `+`/`~` and stops as `~`/`-`: still read.
    symbol: z.enum(CHANGE_SYMBOLS),
    reason: z.enum(['missing', 'drifted', 'not-in-spec', 'requested', 'origin-of-snapshot']),
    detail: z.string(),
    dependsOn: z.array(z.string()),
    specRef: specRef.optional(),
    params,
  });

  const plan = z.strictObject({
    version: z.literal(1),
    planId: z.string().regex(/^[0-9a-f]{12}$/),
    project: z.string().min(1),
    mode: z.enum(PLAN_MODES),
    specFile: z.string(),
    specDigest: z.string(),
    observedDigests: z.record(z.string(), z.string()),
    targets: z.array(z.string()),
    actions: z.array(action),
  });
  return { action, plan };
}
const schemas = () => (built ??= buildSchemas());

/** One action as the planner makes it: also the action of a job on the wire (src/transport/wire). */
export const plannedActionSchema = z.lazy(() => schemas().action);

export const planSchema = z.lazy(() => schemas().plan);

/** Compile-time proof that what the schema accepts is a Plan. */
export function asPlan(value: z.infer<typeof planSchema>): Plan {
  return value;
}
