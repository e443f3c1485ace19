// The apply workload: N busybox containers (one template origin, N-1 snapshot clones, all started),
// as a Locker spec and as the shell scripts a user would write for the same work: the same lxc-* calls
// and the same config writes (each container's address, reserved in the bridge's DHCP server, and its MAC,
// as Locker's set-network writes them), in one call after another or four at a time with xargs.
// The containers live on a bridge of the bench's own (bench/dhcp-bridge.ts, lxc-net's dnsmasq options):
// other people's containers on lxcbr0 then neither take the planned addresses nor fill the pool.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FORWARD_HOOK_SCRIPT } from '../agents/forward-hook-script.js';
import { ADDRESS_DIR, findDhcpServers } from '../src/lxc/index.js';
import { DEFAULT_STOP_TIMEOUT_S } from '../src/lxc/stop.js';
import { onCleanup } from './cleanup.js';
import type { BenchDhcpBridge } from './dhcp-bridge.js';
import { LOCKER_BIN } from './part.js';

export const project = (n: number) => `bench${n}`;
export const originName = (n: number) => `${project(n)}_origin`;
export const cloneNames = (n: number) =>
  Array.from({ length: n - 1 }, (_, i) => `${project(n)}_c${String(i + 1).padStart(3, '0')}`);

/** The spec Locker applies: no ports, volumes or fqdn, so nothing beyond the lxc-* work is asked for. */
export function specText(n: number, bridge?: string): string {
  const on = bridge === undefined ? [] : [`    bridge: ${bridge}`];
  const lines = ['containers:', '  origin:', '    template: busybox', ...on];
  for (const name of cloneNames(n)) {
    lines.push(`  ${name.slice(project(n).length + 1)}:`, '    clone: origin', '    snapshot: true', ...on);
  }
  return `${lines.join('\n')}\n`;
}

/** What set-network does for one container, as a user's script would: claim, hook, interface lines. */
const NET_SCRIPT = String.raw`#!/bin/sh
# set-network by hand: the address claim (created exclusively: the bridge's dnsmasq reads it as the MAC's
# reservation), the forward hook LXC runs at each start, and the interface lines LXC configures before init.
set -e
P="$1" N="$2" IP="$3" MAC="$4" BRIDGE="$5" PREFIX="$6" BROADCAST="$7" GATEWAY="$8" HOOK="$9"
(set -C; printf '# locker claim: host=local container=%s lxcpath=%s\n%s,%s\n' "$N" "$P" "$MAC" "$IP" > "ADDRESS_DIR/$BRIDGE/$IP")
cp "$HOOK" "$P/$N/locker-forward-hook"
cat >> "$P/$N/config" <<EOF
lxc.net.0.type = veth
lxc.net.0.link = $BRIDGE
lxc.net.0.flags = up
lxc.net.0.hwaddr = $MAC
lxc.net.0.ipv4.address =
lxc.net.0.ipv4.address = $IP/$PREFIX $BROADCAST
lxc.net.0.ipv4.gateway = $GATEWAY
lxc.net.0.ipv6.address =
lxc.hook.start-host = $P/$N/locker-forward-hook
EOF
`.replace('ADDRESS_DIR', ADDRESS_DIR);

/** What down does after the destroys: the claims go, dnsmasq forgets them (SIGHUP), each lease is given back. */
const RELEASE_SCRIPT = [
  '#!/bin/sh',
  'set -e',
  'BRIDGE="$1" DNSMASQ="$2"; shift 2',
  `for IP_MAC in "$@"; do rm -f "${ADDRESS_DIR}/$BRIDGE/\${IP_MAC%,*}"; done`,
  'kill -HUP $DNSMASQ',
  'for IP_MAC in "$@"; do dhcp_release "$BRIDGE" "${IP_MAC%,*}" "${IP_MAC#*,}"; done',
  '',
].join('\n');

export interface Workdir {
  dir: string;
  spec: string;
  n: number;
  bridge: BenchDhcpBridge;
}

export function makeWorkdir(n: number, bridge: BenchDhcpBridge): Workdir {
  const dir = mkdtempSync('/tmp/bench-apply-work-');
  onCleanup(`workdir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const specDir = path.join(dir, project(n));
  mkdirSync(specDir);
  const spec = path.join(specDir, 'locker.yml');
  writeFileSync(spec, specText(n, bridge.name));
  writeFileSync(path.join(dir, 'net.sh'), NET_SCRIPT, { mode: 0o755 });
  writeFileSync(path.join(dir, 'release.sh'), RELEASE_SCRIPT, { mode: 0o755 });
  writeFileSync(path.join(dir, 'forward-hook'), FORWARD_HOOK_SCRIPT, { mode: 0o755 });
  return { dir, spec, n, bridge };
}

export interface ShellRun {
  up: string;
  down: string;
}

interface BridgeNet {
  name: string;
  prefix: number;
  broadcast: string;
  gateway: string;
  /** The first three octets (a /24, as lxc-net's). */
  base: string;
}

function bridgeNet(bridge: BenchDhcpBridge): BridgeNet {
  const base = bridge.address.split('.').slice(0, 3).join('.');
  return { name: bridge.name, prefix: 24, broadcast: `${base}.255`, gateway: bridge.address, base };
}

/**
 * Addresses for the script's containers, as Locker's planner picks them: not claimed, not leased. From
 * the top of the pool down (Locker counts up from .2), in case anything is left of an earlier run.
 */
function pickAddresses(names: readonly string[], bridge: BenchDhcpBridge, net: BridgeNet): Map<string, { ip: string; mac: string }> {
  const claimed = new Set(existsSync(bridge.hostsDir) ? readdirSync(bridge.hostsDir) : []);
  const now = Date.now() / 1000;
  const leased = new Set(bridge.leases().filter((l) => l.expires === 0 || l.expires > now).map((l) => l.ip));
  const out = new Map<string, { ip: string; mac: string }>();
  let host = 254;
  for (const name of names) {
    while (host > 1 && (claimed.has(`${net.base}.${host}`) || leased.has(`${net.base}.${host}`))) host -= 1;
    if (host <= 1) throw new Error(`no free address left on ${net.name} for the shell script's ${names.length} containers`);
    const mac = `02:${[...randomBytes(5)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    out.set(name, { ip: `${net.base}.${host}`, mac });
    host -= 1;
  }
  return out;
}

/**
 * The scripts of one run (addresses are picked for it): lxc-create of the origin, lxc-copy -s -B overlayfs
 * per clone, set-network's writes per container, lxc-start each (it returns once the container is RUNNING,
 * as Locker's start does; without ports Locker does not wait for the address either). Down: lxc-stop with
 * Locker's clean-stop timeout, lxc-destroy clones first, then the addresses given back. With `xargs`, the
 * copies, network writes, starts, stops and clone destroys run 4 at a time.
 */
export async function writeShellRun(w: Workdir, xargs: boolean): Promise<ShellRun> {
  const { n, dir } = w;
  const origin = originName(n);
  const clones = cloneNames(n);
  const all = [origin, ...clones];
  const net = bridgeNet(w.bridge);
  const addresses = pickAddresses(all, w.bridge, net);
  const dnsmasq = (await findDhcpServers()).filter((s) => s.bridges.includes(net.name)).map((s) => s.pid);
  if (dnsmasq.length === 0) throw new Error(`no DHCP server on ${net.name}`);
  const stop = `-t ${DEFAULT_STOP_TIMEOUT_S}`;
  const head = '#!/bin/sh\nset -e\nP="$1"\n';
  const netArgs = (c: string) => {
    const a = addresses.get(c)!;
    return `${c} ${a.ip} ${a.mac} ${net.name} ${net.prefix} ${net.broadcast} ${net.gateway} ${dir}/forward-hook`;
  };
  const pairs = all.map((c) => `${addresses.get(c)!.ip},${addresses.get(c)!.mac}`).join(' ');
  const release = `sh ${dir}/release.sh ${net.name} "${dnsmasq.join(' ')}" ${pairs}\n`;
  const list = (lines: string[]) => `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}`;
  let up: string;
  let down: string;
  if (!xargs) {
    up =
      head +
      `lxc-create -P "$P" -n ${origin} -t busybox\n` +
      clones.map((c) => `lxc-copy -P "$P" -n ${origin} -N ${c} -s -B overlayfs\n`).join('') +
      all.map((c) => `sh ${dir}/net.sh "$P" ${netArgs(c)}\n`).join('') +
      all.map((c) => `lxc-start -P "$P" -n ${c}\n`).join('');
    down =
      head +
      all.map((c) => `lxc-stop -P "$P" -n ${c} ${stop}\n`).join('') +
      [...clones, origin].map((c) => `lxc-destroy -P "$P" -n ${c}\n`).join('') +
      release;
  } else {
    up =
      head +
      `lxc-create -P "$P" -n ${origin} -t busybox\n` +
      (clones.length > 0 ? `${list(clones)} | xargs -P4 -I{} lxc-copy -P "$P" -n ${origin} -N {} -s -B overlayfs\n` : '') +
      `${list(all.map(netArgs))} | xargs -P4 -L1 sh ${dir}/net.sh "$P"\n` +
      `${list(all)} | xargs -P4 -n1 lxc-start -P "$P" -n\n`;
    down =
      head +
      `${list(all)} | xargs -P4 -n1 lxc-stop -P "$P" ${stop} -n\n` +
      (clones.length > 0 ? `${list(clones)} | xargs -P4 -n1 lxc-destroy -P "$P" -n\n` : '') +
      `lxc-destroy -P "$P" -n ${origin}\n` +
      release;
  }
  const runDir = mkdtempSync(path.join(dir, `${xargs ? 'xargs' : 'seq'}-`));
  const files = { up: path.join(runDir, 'up.sh'), down: path.join(runDir, 'down.sh') };
  writeFileSync(files.up, up, { mode: 0o755 });
  writeFileSync(files.down, down, { mode: 0o755 });
  return files;
}

/** `parallelism` undefined: Locker's default. */
export function lockerArgs(command: 'up' | 'down', w: Workdir, lxcpath: string, parallelism?: number): string[] {
  return [
    LOCKER_BIN,
    command,
    '--yes',
    '-f',
    w.spec,
    '-P',
    lxcpath,
    '-p',
    project(w.n),
    ...(parallelism === undefined ? [] : ['--parallelism', String(parallelism)]),
  ];
}
