// LXC's default bridge (lxcbr0) gets its addresses from a dnsmasq that lxc-net starts and names in
// /run/lxc/dnsmasq.pid. When that process is gone (the boot or session that started it ended, or it was
// killed) the bridge keeps its address and containers still start, but none ever gets an address. Waiting
// for one is then pointless: Locker says so at once instead of retrying for minutes.

import { readTextIfExists } from '../files/read-text-if-exists.js';
import { runLxc } from './run-lxc.js';

export const LXC_NET_BRIDGE = 'lxcbr0';

export interface LxcNetPaths {
  /** Where lxc-net records its dnsmasq's pid. */
  pidFile: string;
  /** Where /proc is (tests point it at a folder of their own). */
  procRoot: string;
}

const LXC_NET_PATHS: LxcNetPaths = { pidFile: '/run/lxc/dnsmasq.pid', procRoot: '/proc' };

/** Whether the process lxc-net's pid file names is alive and serves `bridge` (not a stranger that reused the pid). */
export async function lxcNetDhcpRunning(bridge = LXC_NET_BRIDGE, paths: LxcNetPaths = LXC_NET_PATHS): Promise<boolean> {
  const pid = (await readTextIfExists(paths.pidFile))?.trim();
  if (pid === undefined || !/^\d+$/.test(pid)) return false;
  const cmdline = await readTextIfExists(`${paths.procRoot}/${pid}/cmdline`);
  return cmdline !== undefined && cmdline.split('\0').includes(`--interface=${bridge}`);
}

/** The bridge the container's first network interface is linked to (from its config), if any. */
export async function firstNetworkLink(lxcpath: string, name: string): Promise<string | undefined> {
  const { stdout } = await runLxc('lxc-info', ['-P', lxcpath, '-n', name, '-c', 'lxc.net.0.link'], { retryable: true });
  const match = /^lxc\.net\.0\.link\s*=\s*(\S+)\s*$/m.exec(stdout);
  return match?.[1];
}
