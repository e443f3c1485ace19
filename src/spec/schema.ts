// The shape of one container (and of `defaults`) in zod: types only. What the values mean
// (port syntax, paths, names) is checked afterwards, where the YAML position is known.
import { z } from 'zod';
import { MAX_STOP_TIMEOUT_S, STOP_TIMEOUT_RULE } from '../rules/stop-timeout.js';

/** Keys a container may have, in the order the docs list them. */
export const CONTAINER_KEYS = [
  'template',
  'download',
  'clone',
  'snapshot',
  'volumes',
  'ports',
  'fqdn',
  'depends_on',
  'host',
  'ipv4',
  'bridge',
  'links',
  'autostart',
  'stop_timeout',
  'provision',
  'unprivileged',
  'allow_host_paths',
  'limits',
  'cgroup',
  'config',
  'allow_config',
  'dns',
] as const;

export type ContainerKey = (typeof CONTAINER_KEYS)[number];

/**
 * Keys listed when an unknown key resembles none: the opt-in for exposing host paths is
 * suggested for a near miss, never advertised.
 */
export const LISTED_CONTAINER_KEYS: readonly ContainerKey[] = CONTAINER_KEYS.filter((k) => k !== 'allow_host_paths' && k !== 'allow_config');

/** Keys of `limits:`. */
export const LIMIT_KEYS = ['memory', 'cpus', 'pids'] as const;

const configValue = z.union([z.string(), z.number(), z.boolean()], { error: 'a config value must be a string, a number or a boolean' });

const stringList = (what: string, item: string) =>
  z.array(z.string({ error: (iss) => `each entry of ${what} must be a string (${item}), not ${describe(iss.input)}` }), {
    error: `${what} must be a list of strings`,
  });

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `the ${typeof value} ${String(value)}`;
}

const templateArg = z.union([z.string(), z.number(), z.boolean()], {
  error: 'template arguments must be strings, numbers or booleans',
});

const template = z.preprocess(
  // `template: busybox` is shorthand for `template: {name: busybox}`.
  (v) => (typeof v === 'string' ? { name: v } : v),
  z
    .object(
      {
        name: z.string({
          error: (iss) => (iss.input === undefined ? 'template needs a name' : 'template.name must be a string'),
        }),
      },
      { error: 'template must be a template name or a map with `name`' },
    )
    .catchall(templateArg),
);

const downloadArg = (key: string) =>
  z.union([z.string(), z.number()], {
    error: (iss) => (iss.input === undefined ? `download needs ${key} (dist, release and arch)` : `download.${key} must be a string, not ${describe(iss.input)}`),
  });

export const containerSchema = z.strictObject({
  template: template.optional(),
  clone: z.string({ error: 'clone must be a string (a container name)' }).optional(),
  snapshot: z.boolean({ error: 'snapshot must be true or false' }).optional(),
  volumes: stringList('volumes', 'host:container[:ro]').optional(),
  ports: stringList('ports', 'quote numbers, e.g. "8000:8000"').optional(),
  fqdn: z.string({ error: 'fqdn must be a string' }).optional(),
  depends_on: stringList('depends_on', 'a container name').optional(),
  host: z.string({ error: 'host must be a string (an agent host name)' }).optional(),
  ipv4: z.string({ error: 'ipv4 must be a string (an IPv4 address such as 10.0.3.50)' }).optional(),
  bridge: z.string({ error: 'bridge must be a string (a bridge name such as lxcbr0)' }).optional(),
  links: stringList('links', 'a container name, or "name:alias"').optional(),
  autostart: z.boolean({ error: 'autostart must be true or false' }).optional(),
  stop_timeout: z
    .number({ error: (iss) => `stop_timeout must be ${STOP_TIMEOUT_RULE}, not ${describe(iss.input)}` })
    .int({ error: (iss) => `stop_timeout must be ${STOP_TIMEOUT_RULE}, not ${String(iss.input)}` })
    .min(0, { error: (iss) => `stop_timeout must be ${STOP_TIMEOUT_RULE}, not ${String(iss.input)}` })
    .max(MAX_STOP_TIMEOUT_S, { error: (iss) => `stop_timeout must be ${STOP_TIMEOUT_RULE}, not ${String(iss.input)}` })
    .optional(),
  // Each entry is checked where it is written (src/spec/provision.ts): a string, or a map with run and env.
  provision: z.array(z.unknown(), { error: 'provision must be a list of commands' }).optional(),
  unprivileged: z.boolean({ error: (iss) => `unprivileged must be true or false, not ${describe(iss.input)}` }).optional(),
  allow_host_paths: stringList('allow_host_paths', 'an absolute host path').optional(),
  // Values are checked where they are written (src/spec/shape.ts), so the error points at them.
  limits: z
    .strictObject({ memory: z.unknown().optional(), cpus: z.unknown().optional(), pids: z.unknown().optional() }, { error: 'limits must be a map with memory, cpus and pids' })
    .optional(),
  cgroup: stringList('cgroup', 'a cgroup v1 setting such as "memory.limit_in_bytes=200000000"').optional(),
  config: z
    .record(z.string(), z.union([configValue, z.array(configValue, { error: 'a config value must be a string, a number, a boolean or a list of them' })]), {
      error: 'config must be a map of LXC keys to values, e.g. `config: {lxc.apparmor.profile: generated}`',
    })
    .optional(),
  allow_config: stringList('allow_config', 'an LXC key of `config:`').optional(),
  download: z
    .strictObject(
      { dist: downloadArg('dist'), release: downloadArg('release'), arch: downloadArg('arch'), server: downloadArg('server').optional() },
      { error: 'download must be a map with dist, release, arch and optionally server' },
    )
    .optional(),
  dns: stringList('dns', 'an IP address, "$bridge" or "$copy"').optional(),
});

/** Keys that name one container's own identity: a default would give every container the same one. */
export const PER_CONTAINER_KEYS: readonly ContainerKey[] = ['ipv4', 'links'];

export type RawContainer = z.infer<typeof containerSchema>;

/** What to do about a type error, by the key it is under. */
export const TYPE_HINTS: Record<ContainerKey, string> = {
  template: 'write `template: busybox` or `template: {name: busybox, release: xenial}`',
  clone: 'write `clone: NAME` with the name of a container of this spec or of an existing LXC container',
  snapshot: 'write `snapshot: true` or `snapshot: false`',
  volumes: 'write `volumes: ["./data:/var/lib/data", "/srv/conf:/etc/app:ro"]`',
  ports: 'quote each port so YAML reads it as a string: `ports: ["8000:8000", "8001:8001/udp"]`',
  fqdn: 'write `fqdn: db.example.net`',
  depends_on: 'write `depends_on: [db]` with names of containers of this spec',
  host: 'write `host: NAME` with the name of a locker agent host',
  ipv4: 'write `ipv4: 10.0.3.50` (an address in the subnet of the container\'s bridge), or leave it out to have one assigned',
  bridge: 'write `bridge: lxcbr0` with the name of a bridge of the host',
  links: 'write `links: [db, "cache:redis"]` with names of containers of this spec, each optionally `:ALIAS`',
  autostart: 'write `autostart: true` or `autostart: false`',
  stop_timeout: 'write `stop_timeout: 30`: seconds a clean stop may take before the container is killed (default 10)',
  provision: 'write `provision: ["apk add curl", {run: "echo $GREETING > /etc/motd", env: {GREETING: hello}}]`: commands run once inside with /bin/sh -c',
  unprivileged: 'write `unprivileged: true` (root inside is not root on the host) or `unprivileged: false`',
  allow_host_paths: 'write `allow_host_paths: ["/etc/ssl/certs"]` with host paths of this container\'s volumes',
  limits: 'write `limits: {memory: 512M, cpus: 1.5, pids: 200}`',
  cgroup: 'write `cgroup: ["memory.limit_in_bytes=200000000", "cpu.shares=512"]`',
  config: 'write `config: {lxc.apparmor.profile: generated, lxc.cap.drop: [sys_time, sys_module]}`',
  allow_config: 'write `allow_config: [lxc.mount.entry]` with keys of this container\'s `config:`',
  download: 'write `download: {dist: ubuntu, release: trusty, arch: amd64}` (and `server: HOST` for another image server)',
  dns: 'write `dns: ["8.8.8.8", "$bridge", "$copy"]`: addresses, the bridge\'s address, or the host\'s own nameservers',
};
