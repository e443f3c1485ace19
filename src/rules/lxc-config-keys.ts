// Raw LXC keys a spec may set under `config:`: which ones LXC 5.0.2 accepts, which ones Locker owns,
// and which ones hand the host to the container (allowed only when `allow_config` names them).
// Shared by the spec loader and the agent, so both refuse the same keys.
//
// Source of the key list: LXC 5.0.2's config_jump_table (src/lxc/confile.c, tag lxc-5.0.2), checked
// against `strings /lib/x86_64-linux-gnu/liblxc.so.1` of Debian 12's lxc 1:5.0.2-1+deb12u2. Keys of
// lxc.conf (lxc.lxcpath, lxc.bdev.*, lxc.cgroup.use/pattern) and the legacy names lxc-update-config
// rewrites (lxc.network.*, lxc.utsname, lxc.rootfs without .path...) are not container keys.

/** Keys taken as they are. */
const KEYS = [
  'lxc.apparmor.allow_incomplete', 'lxc.apparmor.allow_nesting', 'lxc.apparmor.profile', 'lxc.apparmor.raw',
  'lxc.arch', 'lxc.autodev', 'lxc.autodev.tmpfs.size',
  'lxc.cap.drop', 'lxc.cap.keep',
  'lxc.cgroup.dir', 'lxc.cgroup.dir.container', 'lxc.cgroup.dir.container.inner', 'lxc.cgroup.dir.monitor',
  'lxc.cgroup.dir.monitor.pivot', 'lxc.cgroup.relative',
  'lxc.console.buffer.size', 'lxc.console.logfile', 'lxc.console.path', 'lxc.console.rotate', 'lxc.console.size',
  'lxc.environment', 'lxc.ephemeral', 'lxc.execute.cmd', 'lxc.group',
  'lxc.hook.autodev', 'lxc.hook.clone', 'lxc.hook.destroy', 'lxc.hook.mount', 'lxc.hook.post-stop', 'lxc.hook.pre-mount',
  'lxc.hook.pre-start', 'lxc.hook.start', 'lxc.hook.start-host', 'lxc.hook.stop', 'lxc.hook.version',
  'lxc.idmap', 'lxc.include',
  'lxc.init.cmd', 'lxc.init.cwd', 'lxc.init.gid', 'lxc.init.groups', 'lxc.init.uid',
  'lxc.keyring.session', 'lxc.log.file', 'lxc.log.level', 'lxc.log.syslog',
  'lxc.monitor.signal.pdeath', 'lxc.monitor.unshare',
  'lxc.mount.auto', 'lxc.mount.entry', 'lxc.mount.fstab',
  'lxc.namespace.clone', 'lxc.namespace.keep', 'lxc.no_new_privs', 'lxc.pty.max',
  'lxc.rootfs.managed', 'lxc.rootfs.mount', 'lxc.rootfs.options', 'lxc.rootfs.path', 'lxc.sched.core',
  'lxc.seccomp.allow_nesting', 'lxc.seccomp.notify.cookie', 'lxc.seccomp.notify.proxy', 'lxc.seccomp.profile',
  'lxc.selinux.context', 'lxc.selinux.context.keyring',
  'lxc.signal.halt', 'lxc.signal.reboot', 'lxc.signal.stop',
  'lxc.start.auto', 'lxc.start.delay', 'lxc.start.order',
  'lxc.time.offset.boot', 'lxc.time.offset.monotonic', 'lxc.tty.dir', 'lxc.tty.max', 'lxc.uts.name',
] as const;

const PRLIMITS = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];
const NAMESPACES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

/** Key families: a prefix and what may follow it. */
const FAMILIES: ReadonlyArray<{ prefix: string; rest: RegExp; example: string }> = [
  { prefix: 'lxc.cgroup2.', rest: /^[a-z_]+\.[a-z0-9_.]+$/, example: 'lxc.cgroup2.memory.high' },
  { prefix: 'lxc.cgroup.', rest: /^[a-z_]+\.[a-z0-9_.]+$/, example: 'lxc.cgroup.memory.limit_in_bytes' },
  { prefix: 'lxc.sysctl.', rest: /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/, example: 'lxc.sysctl.net.ipv4.ip_forward' },
  { prefix: 'lxc.proc.', rest: /^[a-z0-9_]+(\.[a-z0-9_-]+)*$/, example: 'lxc.proc.oom_score_adj' },
  { prefix: 'lxc.prlimit.', rest: new RegExp(`^(${PRLIMITS.join('|')})$`), example: 'lxc.prlimit.nofile' },
  { prefix: 'lxc.namespace.share.', rest: new RegExp(`^(${NAMESPACES.join('|')})$`), example: 'lxc.namespace.share.net' },
  { prefix: 'lxc.net.', rest: /^[0-9]+\.[a-z0-9_.]+$/, example: 'lxc.net.0.link' },
];

/** The shape of any key: what the agent accepts before looking it up. Never spaces, `=` or newlines. */
export const CONFIG_KEY = /^lxc(\.[a-z0-9_-]+){1,6}$/;

/** Keys Locker writes itself: the spec key that sets them instead. */
const MANAGED: ReadonlyArray<{ match: (key: string) => boolean; use: string }> = [
  { match: (k) => k.startsWith('lxc.net.'), use: '`bridge:` and `ipv4:` (Locker writes the container\'s network)' },
  { match: (k) => k === 'lxc.uts.name', use: '`fqdn:` (Locker sets the host name from it)' },
  { match: (k) => k === 'lxc.hook.mount' || k === 'lxc.hook.start-host', use: '`fqdn:`, `links:` and `ports:` (Locker\'s own hooks run there)' },
  { match: (k) => k === 'lxc.idmap', use: '`unprivileged:` (Locker writes the id map)' },
  { match: (k) => k === 'lxc.start.auto' || k === 'lxc.start.order' || k === 'lxc.group', use: '`autostart:` (Locker writes the boot order)' },
  { match: (k) => ['lxc.cgroup2.memory.max', 'lxc.cgroup2.cpu.max', 'lxc.cgroup2.pids.max'].includes(k), use: '`limits:` (memory, cpus, pids)' },
  { match: (k) => k.startsWith('lxc.cgroup.') && !k.startsWith('lxc.cgroup.dir') && k !== 'lxc.cgroup.relative', use: '`cgroup:` (cgroup v1 settings are translated to v2; LXC ignores lxc.cgroup.* on a cgroup v2 host)' },
];

/** Keys that hand the host to the container or run host code, by key and sometimes by value. */
const DANGEROUS: ReadonlyArray<{ match: (key: string, values: readonly string[]) => boolean; why: string }> = [
  { match: (k) => k.startsWith('lxc.hook.'), why: 'runs a program on the host' },
  { match: (k) => k === 'lxc.mount.entry' || k === 'lxc.mount.fstab' || k === 'lxc.mount.auto', why: 'mounts host file systems into the container' },
  { match: (k) => k === 'lxc.include', why: 'reads more keys from a host file Locker does not check' },
  { match: (k, v) => k === 'lxc.apparmor.profile' && v.some((x) => x.trim() === 'unconfined'), why: 'turns AppArmor off for the container' },
  { match: (k) => k === 'lxc.apparmor.allow_incomplete' || k === 'lxc.apparmor.allow_nesting' || k === 'lxc.apparmor.raw', why: 'weakens the container\'s AppArmor profile' },
  { match: (k, v) => k === 'lxc.cap.drop' && v.some((x) => x.trim() === ''), why: 'clears the capabilities LXC drops (root inside gets them all)' },
  { match: (k) => k === 'lxc.cap.keep', why: 'replaces the list of capabilities the container keeps' },
  { match: (k) => k === 'lxc.cgroup2.devices.allow', why: 'gives the container host devices' },
  { match: (k) => k.startsWith('lxc.seccomp.'), why: 'changes the system calls the container may make' },
  { match: (k) => k === 'lxc.ephemeral', why: 'makes LXC destroy the container when it stops' },
  { match: (k) => k.startsWith('lxc.rootfs.'), why: 'changes which host folder is the container\'s root' },
  { match: (k) => k.startsWith('lxc.namespace.'), why: 'shares or keeps host namespaces' },
  { match: (k) => k.startsWith('lxc.cgroup.dir') || k === 'lxc.cgroup.relative', why: 'places the container\'s cgroup elsewhere on the host' },
  { match: (k) => k === 'lxc.log.file' || k === 'lxc.console.logfile' || k === 'lxc.console.path', why: 'writes to or attaches a host file' },
  { match: (k) => k.startsWith('lxc.sysctl.') && !k.startsWith('lxc.sysctl.net.'), why: 'may change a kernel setting of the whole host (only net.* sysctls are the container\'s own)' },
  { match: (k) => k === 'lxc.selinux.context' || k === 'lxc.selinux.context.keyring', why: 'changes the container\'s SELinux confinement' },
];

/** Keys LXC reads more than once, each line adding to a list: a spec may give them a list. */
const REPEATABLE: ReadonlySet<string> = new Set([
  'lxc.apparmor.raw', 'lxc.cap.drop', 'lxc.cap.keep', 'lxc.environment', 'lxc.include', 'lxc.mount.entry',
  'lxc.cgroup2.devices.allow', 'lxc.cgroup2.devices.deny', 'lxc.cgroup2.io.max', 'lxc.cgroup2.io.weight',
  'lxc.hook.autodev', 'lxc.hook.clone', 'lxc.hook.destroy', 'lxc.hook.post-stop', 'lxc.hook.pre-mount', 'lxc.hook.pre-start',
  'lxc.hook.start', 'lxc.hook.stop', 'lxc.seccomp.notify.proxy',
]);

/** Keys read when they are used rather than at start: a change needs no restart. */
const READ_WHEN_USED: ReadonlySet<string> = new Set(['lxc.start.delay', 'lxc.signal.halt', 'lxc.signal.reboot', 'lxc.signal.stop']);

/**
 * Names LXC 3.0 retired, as lxc-update-config rewrites them: specs of the old Locker (LXC 1.x and 2.x)
 * use them, and LXC 5 refuses them.
 */
const LEGACY: Record<string, string> = {
  'lxc.aa_profile': 'lxc.apparmor.profile',
  'lxc.aa_allow_incomplete': 'lxc.apparmor.allow_incomplete',
  'lxc.se_context': 'lxc.selinux.context',
  'lxc.seccomp': 'lxc.seccomp.profile',
  'lxc.id_map': 'lxc.idmap',
  'lxc.utsname': 'lxc.uts.name',
  'lxc.rootfs': 'lxc.rootfs.path',
  'lxc.mount': 'lxc.mount.fstab',
  'lxc.pts': 'lxc.pty.max',
  'lxc.tty': 'lxc.tty.max',
  'lxc.devttydir': 'lxc.tty.dir',
  'lxc.console': 'lxc.console.path',
  'lxc.haltsignal': 'lxc.signal.halt',
  'lxc.rebootsignal': 'lxc.signal.reboot',
  'lxc.stopsignal': 'lxc.signal.stop',
  'lxc.syslog': 'lxc.log.syslog',
  'lxc.loglevel': 'lxc.log.level',
  'lxc.logfile': 'lxc.log.file',
  'lxc.init_cmd': 'lxc.init.cmd',
  'lxc.init_uid': 'lxc.init.uid',
  'lxc.init_gid': 'lxc.init.gid',
  'lxc.limit': 'lxc.prlimit',
  'lxc.network': 'lxc.net',
};

/** The LXC 5 name of a key LXC 3.0 renamed (`lxc.network.0.link` -> `lxc.net.0.link`), if it is one. */
export function renamedConfigKey(key: string): string | undefined {
  if (LEGACY[key] !== undefined) return LEGACY[key];
  const family = Object.keys(LEGACY).find((old) => key.startsWith(`${old}.`) && (old === 'lxc.network' || old === 'lxc.limit'));
  return family === undefined ? undefined : LEGACY[family] + key.slice(family.length);
}

export type ConfigKeyVerdict =
  | { kind: 'ok' }
  | { kind: 'unknown'; examples: readonly string[]; renamed?: string }
  | { kind: 'managed'; use: string }
  | { kind: 'dangerous'; why: string };

/** Every key and family example: the candidates of a "did you mean". */
export const KNOWN_CONFIG_KEYS: readonly string[] = [...KEYS, ...FAMILIES.map((f) => f.example)];

export function isKnownConfigKey(key: string): boolean {
  if ((KEYS as readonly string[]).includes(key)) return true;
  return FAMILIES.some((f) => key.startsWith(f.prefix) && f.rest.test(key.slice(f.prefix.length)));
}

/** What Locker makes of `key` with these values: fine, unknown to LXC, Locker's own, or dangerous. */
export function judgeConfigKey(key: string, values: readonly string[]): ConfigKeyVerdict {
  if (!CONFIG_KEY.test(key) || !isKnownConfigKey(key)) {
    const renamed = renamedConfigKey(key);
    return renamed === undefined ? { kind: 'unknown', examples: KNOWN_CONFIG_KEYS } : { kind: 'unknown', examples: KNOWN_CONFIG_KEYS, renamed };
  }
  const managed = MANAGED.find((m) => m.match(key));
  if (managed !== undefined) return { kind: 'managed', use: managed.use };
  const danger = DANGEROUS.find((d) => d.match(key, values));
  if (danger !== undefined) return { kind: 'dangerous', why: danger.why };
  return { kind: 'ok' };
}

export function isRepeatableConfigKey(key: string): boolean {
  return REPEATABLE.has(key);
}

export function needsRestart(key: string): boolean {
  return !READ_WHEN_USED.has(key);
}

export const CONFIG_VALUE_RULE = 'one line of text without control characters, at most 4096 characters';

/** Why a value cannot be written as `KEY = VALUE` on one config line, or undefined. */
export function describeBadConfigValue(value: string): string | undefined {
  if (value.length > 4096) return `is ${value.length} characters long; the limit is 4096`;
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(value);
  if (control !== null) return `contains control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return undefined;
}
