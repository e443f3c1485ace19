// The block Locker owns at the end of a container's config: parse it, and render a config with it replaced.
// Pure text in, text out; everything outside the block is kept as it is.

import path from 'node:path/posix';
import type { ManagedConfig, ObservedMount, ProvisionRecord } from '../../plans/observed.js';
import type { CgroupSetting, ConfigLine, NetworkParams } from '../../plans/types.js';
import { LockerError } from '../errors.js';
import { parseCidr } from '../rules/endpoints.js';
import { intToIpv4, isIpv4, subnetBounds } from '../rules/ipv4.js';

export const BLOCK_BEGIN = '# locker:begin';
export const BLOCK_END = '# locker:end';
const FQDN_PREFIX = '# locker:fqdn=';
const PROVISION_LINE = /^# locker:provision=([0-9a-f]{64}) (done|failed)$/;
/** The nameservers set-dns wrote into the container's resolv.conf (a comment: LXC does not read it). */
const DNS_PREFIX = '# locker:dns=';
/** Lines after it, up to the config marker or the end, are the limits (set-limits). */
const LIMITS_MARK = '# locker:limits';
/** Lines after it, up to the end, are the spec's raw keys (set-config): last, so they win over the template's. */
const CONFIG_MARK = '# locker:config';
const CGROUP2 = 'lxc.cgroup2.';
const CGROUP1 = 'lxc.cgroup.';

export interface BlockMount extends ObservedMount {
  /** A single-file volume: mounted with create=file so LXC makes a file, not a directory, to bind onto. */
  isFile: boolean;
  /**
   * The container is unprivileged: an idmapped mount (`idmap=container`), so a host id N shows as N inside
   * and root inside writes files owned by root on the host.
   */
  idmapped?: boolean;
}

/** Everything the block says, including what ManagedConfig leaves out (mount kinds, hook path). */
export interface LockerBlock {
  project: string;
  container: string;
  mounts: BlockMount[];
  fqdn?: string;
  /** Path of the hostname hook; required when fqdn is set. */
  hookPath?: string;
  /** The first interface: bridge, MAC and the addresses LXC configures before init. */
  network?: BlockNetwork;
  /** `lxc.hook.start-host`: puts the container's forwards back whenever it starts, Locker or not. */
  forwardHookPath?: string;
  /** A second `lxc.hook.mount`: writes the links into /etc/hosts at every start. */
  linksHookPath?: string;
  /** `lxc.start.order` of a container the host's boot starts; undefined when it does not. */
  autostartOrder?: number;
  /** The last provision run to its end (a comment: LXC does not read it). */
  provision?: ProvisionRecord;
  /** The nameservers set-dns put in Locker's block of the container's /etc/resolv.conf. */
  dns?: string[];
  /** cgroup files (`lxc.cgroup2.KEY = VALUE`, v1 ones `lxc.cgroup.KEY = VALUE`), in the section after LIMITS_MARK. */
  cgroup?: CgroupSetting[];
  /** The spec's raw LXC lines, in the section after CONFIG_MARK. */
  config?: ConfigLine[];
}

export type BlockNetwork = Omit<NetworkParams, 'reserve'>;

/** File name of the links hook: how its `lxc.hook.mount` line is told from the hostname hook's. */
export const LINKS_HOOK_FILE = 'locker-links-hook';

interface BlockSpan {
  begin: number;
  end: number;
}

export function parseManagedBlock(configText: string, source = 'config'): ManagedConfig | undefined {
  const block = parseLockerBlock(configText, source);
  if (block === undefined) return undefined;
  const managed: ManagedConfig = {
    project: block.project,
    container: block.container,
    mounts: block.mounts.map(({ hostPath, containerPath, readOnly }) => ({ hostPath, containerPath, readOnly })),
  };
  if (block.fqdn !== undefined) managed.fqdn = block.fqdn;
  if (block.network !== undefined) {
    const { bridge, mac, ipv4, ipv6 } = block.network;
    managed.network = ipv6 === undefined ? { bridge, mac, ipv4 } : { bridge, mac, ipv4, ipv6: ipv6.address };
  }
  if (block.autostartOrder !== undefined) managed.autostartOrder = block.autostartOrder;
  if (block.provision !== undefined) managed.provision = { ...block.provision };
  if (block.dns !== undefined) managed.dns = [...block.dns];
  if (block.cgroup !== undefined) managed.cgroup = block.cgroup;
  if (block.config !== undefined) managed.config = block.config;
  return managed;
}

export function parseLockerBlock(configText: string, source = 'config'): LockerBlock | undefined {
  const lines = configText.split('\n');
  const span = findBlock(lines, source);
  if (span === undefined) return undefined;
  const header = /^# locker:begin project=(\S+) container=(\S+)$/.exec(lines[span.begin]!.trim());
  if (header === null) throw corrupt(source, `unreadable block header "${lines[span.begin]!.trim()}"`);
  const block: LockerBlock = { project: header[1]!, container: header[2]!, mounts: [] };
  const network: Record<string, string> = {};
  let section: 'main' | 'limits' | 'config' = 'main';
  for (const raw of lines.slice(span.begin + 1, span.end)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === LIMITS_MARK && section === 'main') {
      section = 'limits';
      block.cgroup = [];
      continue;
    }
    if (line === CONFIG_MARK && section !== 'config') {
      section = 'config';
      block.config = [];
      continue;
    }
    if (section !== 'main') {
      const entry = /^(lxc\.[a-z0-9._-]+)\s*=\s*(.*)$/.exec(line);
      const v1 = entry !== null && entry[1]!.startsWith(CGROUP1);
      if (entry === null || (section === 'limits' && !entry[1]!.startsWith(CGROUP2) && !v1)) throw corrupt(source, `unexpected line in the ${section} of the Locker block: "${line}"`);
      if (section === 'limits') block.cgroup!.push(v1 ? { key: entry[1]!.slice(CGROUP1.length), value: entry[2]!.trim(), v1: true } : { key: entry[1]!.slice(CGROUP2.length), value: entry[2]!.trim() });
      else block.config!.push({ key: entry[1]!, value: entry[2]!.trim() });
      continue;
    }
    if (line.startsWith(FQDN_PREFIX)) {
      block.fqdn = line.slice(FQDN_PREFIX.length);
      continue;
    }
    if (line.startsWith(DNS_PREFIX)) {
      const list = line.slice(DNS_PREFIX.length).split(',').filter((n) => n !== '');
      if (list.some((n) => !/^[0-9a-f.:]+$/.test(n))) throw corrupt(source, `unreadable dns line "${line}"`);
      block.dns = list;
      continue;
    }
    const provision = PROVISION_LINE.exec(line);
    if (provision !== null) {
      block.provision = { digest: provision[1]!, state: provision[2] as ProvisionRecord['state'] };
      continue;
    }
    const entry = /^(lxc\.[a-z0-9._-]+)\s*=\s*(.*)$/.exec(line);
    const key = entry?.[1];
    const value = (entry?.[2] ?? '').trim();
    if (key === 'lxc.mount.entry') block.mounts.push(parseMountEntry(value, source));
    else if (key === 'lxc.hook.mount' && path.basename(value) === LINKS_HOOK_FILE) block.linksHookPath = value;
    else if (key === 'lxc.hook.mount') block.hookPath = value;
    else if (key === 'lxc.hook.start-host') block.forwardHookPath = value;
    else if (key !== undefined && key.startsWith('lxc.net.0.')) network[key.slice('lxc.net.0.'.length)] = value;
    else if (key === 'lxc.start.order') block.autostartOrder = Number(value);
    // The uts name is derived from the fqdn (lxc-copy drops it from a clone's copy of the block); the
    // start and group keys come with the order.
    else if (key !== 'lxc.uts.name' && key !== 'lxc.start.auto' && key !== 'lxc.group') {
      throw corrupt(source, `unexpected line in the Locker block: "${line}"`);
    }
  }
  if (Object.keys(network).length > 0) block.network = parseNetwork(network, source);
  if (block.autostartOrder !== undefined && !Number.isInteger(block.autostartOrder)) throw corrupt(source, 'unreadable lxc.start.order');
  return block;
}

/** `lxc.net.0.*` keys of the block (the empty `address =` lines only clear what the config had before). */
function parseNetwork(keys: Record<string, string>, source: string): BlockNetwork {
  // `ADDRESS/PREFIX`, and for IPv4 maybe the broadcast address after it.
  const cidr = (text: string | undefined) => {
    const m = /^(\S+)(?:\s+(\S+))?$/.exec(text ?? '');
    const parsed = m ? parseCidr(m[1]!) : undefined;
    if (parsed === undefined || (m![2] !== undefined && !isIpv4(m![2]))) return undefined;
    return { address: parsed.address, prefix: parsed.prefix };
  };
  const ipv4 = cidr(keys['ipv4.address']);
  const { link, hwaddr } = keys;
  const gateway = keys['ipv4.gateway'];
  if (link === undefined || hwaddr === undefined || ipv4 === undefined || gateway === undefined) {
    throw corrupt(source, 'the Locker block names an interface without its bridge, MAC, IPv4 address or gateway');
  }
  const network: BlockNetwork = { bridge: link, mac: hwaddr, ipv4: ipv4.address, prefix: ipv4.prefix, gateway };
  const ipv6 = cidr(keys['ipv6.address']);
  if (ipv6 !== undefined) network.ipv6 = { ...ipv6, gateway: keys['ipv6.gateway'] ?? '' };
  return network;
}

/**
 * The config with Locker's block removed from wherever it was and appended at the end.
 * At the end, its keys win over earlier ones: lxc-copy appends its own `lxc.uts.name` after a
 * cloned block, so rewriting the block in place would leave the clone named by lxc-copy.
 */
export function renderConfig(configText: string, block: LockerBlock | undefined): string {
  const lines = configText.split('\n');
  const span = findBlock(lines, 'config');
  const kept = span === undefined ? lines : [...lines.slice(0, span.begin), ...lines.slice(span.end + 1)];
  let rest = kept.join('\n');
  if (block === undefined) return rest;
  if (rest !== '' && !rest.endsWith('\n')) rest += '\n';
  return rest + renderBlock(block);
}

export function renderBlock(block: LockerBlock): string {
  const lines = [`${BLOCK_BEGIN} project=${block.project} container=${block.container}`];
  for (const m of block.mounts) lines.push(renderMountEntry(m));
  if (block.fqdn !== undefined) {
    if (block.hookPath === undefined) {
      throw new LockerError('INTERNAL', `Locker block for ${block.container} has an fqdn but no hook path`);
    }
    lines.push(`lxc.uts.name = ${hostLabel(block.fqdn)}`);
    lines.push(`lxc.hook.mount = ${block.hookPath}`);
    lines.push(`${FQDN_PREFIX}${block.fqdn}`);
  }
  if (block.network !== undefined) lines.push(...renderNetwork(block.network));
  if (block.forwardHookPath !== undefined) lines.push(`lxc.hook.start-host = ${block.forwardHookPath}`);
  if (block.linksHookPath !== undefined) lines.push(`lxc.hook.mount = ${block.linksHookPath}`);
  if (block.autostartOrder !== undefined) {
    // LXC's boot (lxc-autostart -g "onboot,") starts the onboot group, lowest order first.
    lines.push('lxc.start.auto = 1', `lxc.start.order = ${block.autostartOrder}`, 'lxc.group = onboot');
  }
  if (block.provision !== undefined) lines.push(`# locker:provision=${block.provision.digest} ${block.provision.state}`);
  if (block.dns !== undefined && block.dns.length > 0) {
    if (block.dns.some((n) => !/^[0-9a-f.:]+$/.test(n))) throw new LockerError('INTERNAL', `refusing to write nameservers ${JSON.stringify(block.dns)}`);
    lines.push(`${DNS_PREFIX}${block.dns.join(',')}`);
  }
  if (block.cgroup !== undefined && block.cgroup.length > 0) {
    lines.push(LIMITS_MARK, ...block.cgroup.map((c) => renderLine(`${c.v1 === true ? CGROUP1 : CGROUP2}${c.key}`, c.value)));
  }
  if (block.config !== undefined && block.config.length > 0) lines.push(CONFIG_MARK, ...block.config.map((c) => renderLine(c.key, c.value)));
  lines.push(BLOCK_END);
  return lines.join('\n') + '\n';
}

/** `KEY = VALUE`; a value with a line break would smuggle in another key: never written. */
function renderLine(key: string, value: string): string {
  if (/[\r\n\0]/.test(value) || !/^lxc\.[a-z0-9._-]+$/.test(key)) throw new LockerError('INTERNAL', `refusing to write config line ${JSON.stringify(key)} = ${JSON.stringify(value)}`);
  return value === '' ? `${key} =` : `${key} = ${value}`;
}

/**
 * The interface as LXC sets it up before init. The empty address keys first clear any addresses the
 * config had above the block (they are lists in LXC), so the container has exactly the planned ones.
 */
function renderNetwork(n: BlockNetwork): string[] {
  const lines = [
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${n.bridge}`,
    'lxc.net.0.flags = up',
    `lxc.net.0.hwaddr = ${n.mac}`,
    'lxc.net.0.ipv4.address =',
    // The broadcast address is spelled out: LXC 5.0.2 derives a wrong one (0.0.0.255) from a bare /24 (lxc/lxc#4522).
    `lxc.net.0.ipv4.address = ${n.ipv4}/${n.prefix} ${broadcastOf(n.ipv4, n.prefix)}`,
    `lxc.net.0.ipv4.gateway = ${n.gateway}`,
    'lxc.net.0.ipv6.address =',
  ];
  if (n.ipv6 !== undefined) lines.push(`lxc.net.0.ipv6.address = ${n.ipv6.address}/${n.ipv6.prefix}`, `lxc.net.0.ipv6.gateway = ${n.ipv6.gateway}`);
  return lines;
}

/** The subnet's broadcast address; none (0.0.0.0) for /31 and /32, as LXC itself does. */
function broadcastOf(ipv4: string, prefix: number): string {
  return prefix >= 31 ? '0.0.0.0' : intToIpv4(subnetBounds({ address: ipv4, prefix }).broadcast);
}

export function renderMountEntry(m: BlockMount): string {
  // fstab form: the target is relative to the rootfs.
  const target = path.normalize(m.containerPath).replace(/^\/+|\/+$/g, '');
  const options = ['bind', ...(m.readOnly ? ['ro'] : []), m.isFile ? 'create=file' : 'create=dir', ...(m.idmapped ? ['idmap=container'] : [])].join(',');
  return `lxc.mount.entry = ${m.hostPath} ${target} none ${options} 0 0`;
}

/** First label of an fqdn: what `hostname` prints inside. */
export function hostLabel(fqdn: string): string {
  return fqdn.split('.')[0]!;
}

function parseMountEntry(value: string, source: string): BlockMount {
  const fields = value.trim().split(/\s+/);
  const [hostPath, target, , options] = fields;
  if (hostPath === undefined || target === undefined || options === undefined || fields.length !== 6) {
    throw corrupt(source, `unreadable mount entry "${value.trim()}"`);
  }
  const opts = options.split(',');
  return {
    hostPath,
    containerPath: path.join('/', target).replace(/(.)\/+$/, '$1'),
    readOnly: opts.includes('ro'),
    isFile: opts.includes('create=file'),
    ...(opts.includes('idmap=container') && { idmapped: true }),
  };
}

function findBlock(lines: string[], source: string): BlockSpan | undefined {
  const begins: number[] = [];
  const ends: number[] = [];
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t === BLOCK_BEGIN || t.startsWith(`${BLOCK_BEGIN} `)) begins.push(i);
    else if (t === BLOCK_END) ends.push(i);
  });
  if (begins.length === 0 && ends.length === 0) return undefined;
  if (begins.length !== 1 || ends.length !== 1) {
    throw corrupt(source, `expected one Locker block, found ${begins.length} begin and ${ends.length} end lines`);
  }
  const span = { begin: begins[0]!, end: ends[0]! };
  if (span.end < span.begin) throw corrupt(source, '"# locker:end" comes before "# locker:begin"');
  return span;
}

function corrupt(source: string, what: string): LockerError {
  return new LockerError('HOST_PRECONDITION', `${source}: ${what}`, {
    hint: 'the Locker block of this container config was edited by hand; fix or remove it, then plan again',
  });
}
