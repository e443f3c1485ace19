// Counting the lxc-* and iptables programs a command runs, by putting logging shims first in its PATH.
// (strace -f cannot be used for `up`: it follows lxc-start's monitor, which outlives the command.)

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const COUNTED = [
  'lxc-create', 'lxc-copy', 'lxc-start', 'lxc-wait', 'lxc-info', 'lxc-stop', 'lxc-destroy', 'lxc-ls', 'lxc-config',
  'lxc-attach', 'iptables', 'iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore', 'ip', 'sysctl',
  'dhcp_release',
];

export interface ExecCounter {
  /** The environment to run the command with (shims first in PATH). */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Programs run since the last reset, by name. */
  take(): Map<string, number>;
}

export function makeExecCounter(dir: string): ExecCounter {
  const log = path.join(dir, 'execs.log');
  for (const name of COUNTED) {
    let real: string;
    try {
      real = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).trim();
    } catch {
      continue; // not installed: nothing to count
    }
    writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' ${name} >> ${log}\nexec ${real} "$@"\n`, { mode: 0o755 });
  }
  return {
    env: (base) => ({ ...base, PATH: `${dir}:${base.PATH ?? ''}` }),
    take: () => {
      const counts = new Map<string, number>();
      if (!existsSync(log)) return counts;
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        if (line !== '') counts.set(line, (counts.get(line) ?? 0) + 1);
      }
      writeFileSync(log, '');
      return counts;
    },
  };
}
