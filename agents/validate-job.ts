// An agent checks every job on its own before touching anything: the job may come from another machine.
// Pure checks, with the spec loader's own rules (names, safe text, mount policy); a job that fails them
// is refused whole, nothing of it runs. Its shape (every field's type) is the wire's: src/transport/wire.

import path from 'node:path/posix';
import type { MountParams, PlannedAction } from '../plans/types.js';
import { LockerError } from '../src/errors.js';
import {
  BRIDGE_NAME,
  CONTAINER_NAME,
  describeBadEnvValue,
  describeBadRun,
  ENV_NAME,
  PROVISION_LIMITS,
  describeLxcNameLength,
  isCanonicalIpv6,
  isDnsName,
  isForwardHostAddress,
  isIpv4,
  isMac,
  isPortNumber,
  isStopTimeout,
  STOP_TIMEOUT_RULE,
  LXC_NAME,
  PROJECT_NAME,
  TEMPLATE_ARG,
  TEMPLATE_NAME,
} from '../src/rules/index.js';
import { describeBadCgroupSetting } from '../src/rules/cgroup.js';
import { describeBadNameservers } from '../src/rules/nameservers.js';
import { CONFIG_KEY, describeBadConfigValue, isKnownConfigKey, isRepeatableConfigKey, judgeConfigKey } from '../src/rules/lxc-config-keys.js';
import { describeUnsafeArg, describeUnsafePath, describeViolation, findRefusedMount } from '../src/spec/index.js';
import type { Job } from '../src/transport/types.js';

// Whitespace and '#' break LXC's config syntax, ',' its mount options, NUL every syscall.
const BAD_PATH_CHARS = /[\s#,\0]/;

export function validateJob(job: Job, host: string): void {
  const a = job.action;
  if (a.host !== host) {
    throw new LockerError('HOST_PRECONDITION', `job for host ${String(a.host)} sent to ${host}`, {
      hint: 'the transport routed a job to the wrong agent',
    });
  }
  checkName(a, 'project', a.project, PROJECT_NAME);
  checkName(a, 'container', a.container, CONTAINER_NAME);
  if (a.lxcName !== `${a.project}_${a.container}`) {
    throw invalid(a, `lxc name ${show(a.lxcName)} is not "${a.project}_${a.container}"`);
  }
  const tooLong = describeLxcNameLength(a.project, a.container);
  if (tooLong !== undefined) throw invalid(a, tooLong);
  if (a.kind !== a.params.kind) throw invalid(a, `params are for "${a.params.kind}", not "${a.kind}"`);
  checkParams(a);
}

function checkParams(a: PlannedAction): void {
  const p = a.params;
  switch (p.kind) {
    case 'create': {
      const unsafe = p.template.startsWith('/') ? describeUnsafePath(p.template) : TEMPLATE_NAME.test(p.template) ? undefined : 'is not a name';
      if (unsafe !== undefined) throw invalid(a, `template ${show(p.template)} is neither a name nor a plain absolute path: it ${unsafe}`);
      for (const [key, value] of Object.entries(p.args)) {
        if (!TEMPLATE_ARG.test(key)) throw invalid(a, `template argument name ${show(key)} is not allowed`);
        const bad = describeUnsafeArg(value);
        if (bad !== undefined) throw invalid(a, `template argument ${key} ${show(value)} ${bad}`);
      }
      checkUnprivileged(a, p.unprivileged);
      return;
    }
    case 'clone':
      checkName(a, 'origin', p.origin, LXC_NAME);
      if (p.origin === a.lxcName) throw invalid(a, 'a container cannot be cloned from itself');
      checkUnprivileged(a, p.unprivileged);
      return;
    case 'copy-out':
    case 'write-mounts': {
      const allowed = checkAllowances(a, p.allowed);
      p.mounts.forEach((m, i) => checkMount(a, m, i, allowed));
      return;
    }
    case 'install-hostname-hook':
      if (p.fqdn !== undefined && !isDnsName(p.fqdn)) throw invalid(a, `fqdn ${show(p.fqdn)} is not a DNS name`);
      return;
    case 'forward-ports':
      p.ports.forEach((port, i) => {
        for (const n of [port.hostPort, port.containerPort]) {
          if (!isPortNumber(n)) throw invalid(a, `ports[${i}]: ${show(n)} is not a port`);
        }
        const family = port.ipv6 === true ? 'IPv6' : 'IPv4';
        if (port.hostIp !== undefined && !isForwardHostAddress(port.hostIp, port.ipv6 === true)) {
          throw invalid(a, `ports[${i}]: host address ${show(port.hostIp)} is not an ${family} address`);
        }
      });
      if (p.targetIp !== undefined && !isIpv4(p.targetIp)) throw invalid(a, `target address ${show(p.targetIp)} is not an IPv4 address`);
      if (p.targetIp6 !== undefined && !isCanonicalIpv6(p.targetIp6)) throw invalid(a, `target address ${show(p.targetIp6)} is not an IPv6 address`);
      return;
    case 'set-network':
      checkNetwork(a, p);
      return;
    case 'write-links':
      p.entries.forEach((e, i) => {
        if (!isIpv4(e.ip)) throw invalid(a, `entries[${i}]: ${show(e.ip)} is not an IPv4 address`);
        if (e.names.length === 0 || !e.names.every((n) => isDnsName(n) && n === n.toLowerCase())) {
          throw invalid(a, `entries[${i}]: names ${show(e.names)} are not lower-case DNS names`);
        }
      });
      return;
    case 'set-autostart':
      if (!Number.isInteger(p.order) || p.order < 0 || p.order > 100_000) throw invalid(a, `order ${show(p.order)} is not a whole number 0-100000`);
      return;
    case 'set-limits': {
      const seen = new Set<string>();
      p.settings.forEach((s, i) => {
        const bad = describeBadCgroupSetting(s);
        if (bad !== undefined) throw invalid(a, `settings[${i}]: ${bad}`);
        // v1 names only as the planner's own translation of the spec (marked v1), with v1's value rules.
        const file = `${s.v1 === true ? 'v1' : 'v2'} ${s.key}`;
        if (seen.has(file)) throw invalid(a, `settings[${i}]: ${s.key} is set twice`);
        seen.add(file);
      });
      return;
    }
    case 'set-config':
      checkConfigLines(a, p);
      return;
    case 'set-dns': {
      // Only addresses reach the file: a line break or a word here would be a resolver option.
      const bad = describeBadNameservers(p.nameservers);
      if (bad !== undefined) throw invalid(a, bad);
      return;
    }
    case 'stop':
      // Absent in plans saved before stop timeouts: the agent's default applies.
      if (p.timeoutSeconds !== undefined && !isStopTimeout(p.timeoutSeconds)) {
        throw invalid(a, `stop timeout ${show(p.timeoutSeconds)} is not ${STOP_TIMEOUT_RULE}`);
      }
      return;
    case 'provision':
      checkProvision(a, p.commands);
      return;
    case 'start':
    case 'freeze':
    case 'unfreeze':
    case 'destroy':
    case 'unforward-ports':
      return;
  }
}

/** `unprivileged` is `true` or absent (privileged): anything else is not a job Locker's planner makes. */
function checkUnprivileged(a: PlannedAction, value: unknown): void {
  if (value !== undefined && value !== true) throw invalid(a, `unprivileged ${show(value)} is not true (or absent, for a privileged container)`);
}

/**
 * The commands only reach the container's shell, one argv entry after `--`; the variables become
 * `--set-var NAME=VALUE` entries, so a name is a plain variable name (no `=`, no leading `-`).
 */
function checkProvision(a: PlannedAction, commands: Extract<PlannedAction['params'], { kind: 'provision' }>['commands']): void {
  if (commands.length === 0 || commands.length > PROVISION_LIMITS.commands) {
    throw invalid(a, `a provision job has 1 to ${PROVISION_LIMITS.commands} commands, not ${commands.length}`);
  }
  commands.forEach((c, i) => {
    const bad = describeBadRun(c.run);
    if (bad !== undefined) throw invalid(a, `commands[${i}]: the command ${bad}`);
    const env = Object.entries(c.env ?? {});
    if (env.length > PROVISION_LIMITS.envVars) throw invalid(a, `commands[${i}]: ${env.length} variables; the limit is ${PROVISION_LIMITS.envVars}`);
    for (const [name, value] of env) {
      if (!ENV_NAME.test(name)) throw invalid(a, `commands[${i}]: variable name ${show(name)} is not a shell variable name`);
      const badValue = describeBadEnvValue(value);
      if (badValue !== undefined) throw invalid(a, `commands[${i}]: variable ${name} ${badValue}`);
    }
  });
}

/** Each value ends up in an `lxc.net.0.*` line of the config, a claim file, or a dhcp_release argument. */
function checkNetwork(a: PlannedAction, p: Extract<PlannedAction['params'], { kind: 'set-network' }>): void {
  if (!BRIDGE_NAME.test(p.bridge)) throw invalid(a, `bridge ${show(p.bridge)} is not an interface name`);
  if (!isMac(p.mac)) throw invalid(a, `MAC ${show(p.mac)} is not a lower-case MAC address`);
  if (!isIpv4(p.ipv4) || !isIpv4(p.gateway)) throw invalid(a, `address ${show(p.ipv4)} or gateway ${show(p.gateway)} is not an IPv4 address`);
  if (!Number.isInteger(p.prefix) || p.prefix < 1 || p.prefix > 30) throw invalid(a, `prefix ${show(p.prefix)} is not 1-30`);
  if (p.previousMac !== undefined && !isMac(p.previousMac)) throw invalid(a, `previous MAC ${show(p.previousMac)} is not a MAC address`);
  if (p.ipv6 !== undefined) {
    const v6 = p.ipv6;
    if (!isCanonicalIpv6(v6.address) || !isCanonicalIpv6(v6.gateway) || !Number.isInteger(v6.prefix) || v6.prefix < 1 || v6.prefix > 128) {
      throw invalid(a, `ipv6 ${show(v6)} is not an address, prefix and gateway`);
    }
  }
}

/** The spec loader's rules for `config:`, line by line: known to LXC, not Locker's own, dangerous only when allowed. */
function checkConfigLines(a: PlannedAction, p: Extract<PlannedAction['params'], { kind: 'set-config' }>): void {
  const allowed = new Set(p.allowed ?? []);
  for (const key of allowed) {
    if (!CONFIG_KEY.test(key) || !isKnownConfigKey(key)) throw invalid(a, `allowed key ${show(key)} is not an LXC key`);
  }
  p.lines.forEach((line, i) => {
    if (!CONFIG_KEY.test(line.key)) throw invalid(a, `lines[${i}]: key ${show(line.key)} is not an LXC key`);
    const bad = describeBadConfigValue(line.value);
    if (bad !== undefined) throw invalid(a, `lines[${i}]: value of ${line.key} ${bad}`);
  });
  const keys = [...new Set(p.lines.map((l) => l.key))];
  for (const key of keys) {
    const values = p.lines.filter((l) => l.key === key).map((l) => l.value);
    if (values.length > 1 && !isRepeatableConfigKey(key)) throw invalid(a, `${key} takes one value, the job gives ${values.length}`);
    const verdict = judgeConfigKey(key, values);
    if (verdict.kind === 'unknown') throw invalid(a, `${show(key)} is not a key LXC accepts`);
    if (verdict.kind === 'managed') throw invalid(a, `${key} is Locker's own (${verdict.use})`);
    if (verdict.kind === 'dangerous' && !allowed.has(key)) throw invalid(a, `${key} ${verdict.why}, and the job does not allow it`);
  }
}

function checkAllowances(a: PlannedAction, allowed: readonly string[] | undefined): readonly string[] {
  if (allowed === undefined) return [];
  for (const x of allowed) {
    const unsafe = describeUnsafePath(x);
    if (unsafe !== undefined) throw invalid(a, `allowed path ${show(x)} ${unsafe}`);
  }
  return allowed;
}

function checkMount(a: PlannedAction, m: MountParams, i: number, allowed: readonly string[]): void {
  for (const [what, p] of [
    ['host path', m.hostPath],
    ['container path', m.containerPath],
  ] as const) {
    if (!isCleanAbsolute(p)) {
      throw invalid(a, `mounts[${i}]: ${what} ${show(p)} must be absolute, without "..", whitespace, "#", "," or NUL`);
    }
    const unsafe = describeUnsafePath(p);
    if (unsafe !== undefined) throw invalid(a, `mounts[${i}]: ${what} ${show(p)} ${unsafe}`);
  }
  if (path.normalize(m.containerPath) === '/') throw invalid(a, `mounts[${i}]: cannot mount over the container's /`);
  // The lxcpath and the real path behind symlinks are checked by the action itself, on the host.
  const refused = findRefusedMount(m.hostPath, allowed);
  if (refused !== undefined) throw invalid(a, `mounts[${i}]: ${describeViolation(refused)}, and the job does not allow it`);
}

export function isCleanAbsolute(p: string): boolean {
  return p.startsWith('/') && !BAD_PATH_CHARS.test(p) && !p.split('/').includes('..');
}

function checkName(a: PlannedAction, what: string, value: string, rule: RegExp): void {
  if (!rule.test(value)) {
    throw invalid(a, `${what} name ${show(value)} is not allowed (letters, digits${what === 'container' ? ' and -' : ', _ . -'}, starting with a letter or digit)`);
  }
}

/** A value as it appears in a message: quoted, escapes visible, never more than one line. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function invalid(a: PlannedAction, what: string): LockerError {
  return new LockerError('PLAN_INVALID', `job ${String(a.id)} refused: ${what}`, {
    hint: 'the agent checks every job itself; nothing of this job ran',
  });
}
