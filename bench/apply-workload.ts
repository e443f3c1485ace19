// The apply workload: N busybox containers (one template origin, N-1 snapshot clones, all started),
// as a Locker spec and as the shell scripts a user would write for the same lxc-* calls.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_STOP_TIMEOUT_S } from '../src/lxc/stop.js';
import { onCleanup } from './cleanup.js';
import { LOCKER_BIN } from './part.js';

export const project = (n: number) => `bench${n}`;
export const originName = (n: number) => `${project(n)}_origin`;
export const cloneNames = (n: number) =>
  Array.from({ length: n - 1 }, (_, i) => `${project(n)}_c${String(i + 1).padStart(3, '0')}`);

/** The spec Locker applies: no ports, volumes or fqdn, so nothing beyond the lxc-* work is asked for. */
export function specText(n: number): string {
  const lines = ['containers:', '  origin:', '    template: busybox'];
  for (const name of cloneNames(n)) {
    lines.push(`  ${name.slice(project(n).length + 1)}:`, '    clone: origin', '    snapshot: true');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The baseline a user would write: lxc-create of the origin, lxc-copy -s -B overlayfs per clone, lxc-start
 * each; then lxc-stop with the same clean-stop timeout Locker uses (src/lxc/stop.ts) and lxc-destroy,
 * clones first. `xargs` runs the copies, starts, stops and clone destroys 4 at a time.
 */
export function shellScripts(n: number, xargs: boolean): { up: string; down: string } {
  const origin = originName(n);
  const clones = cloneNames(n);
  const all = [origin, ...clones];
  const stop = `-t ${DEFAULT_STOP_TIMEOUT_S}`;
  const head = '#!/bin/sh\nset -e\nP="$1"\n';
  const list = (names: string[]) => `printf '%s\\n' ${names.join(' ')}`;
  if (!xargs) {
    return {
      up:
        head +
        `lxc-create -P "$P" -n ${origin} -t busybox\n` +
        clones.map((c) => `lxc-copy -P "$P" -n ${origin} -N ${c} -s -B overlayfs\n`).join('') +
        all.map((c) => `lxc-start -P "$P" -n ${c}\n`).join(''),
      down:
        head +
        all.map((c) => `lxc-stop -P "$P" -n ${c} ${stop}\n`).join('') +
        [...clones, origin].map((c) => `lxc-destroy -P "$P" -n ${c}\n`).join(''),
    };
  }
  return {
    up:
      head +
      `lxc-create -P "$P" -n ${origin} -t busybox\n` +
      (clones.length > 0 ? `${list(clones)} | xargs -P4 -I{} lxc-copy -P "$P" -n ${origin} -N {} -s -B overlayfs\n` : '') +
      `${list(all)} | xargs -P4 -n1 lxc-start -P "$P" -n\n`,
    down:
      head +
      `${list(all)} | xargs -P4 -n1 lxc-stop -P "$P" ${stop} -n\n` +
      (clones.length > 0 ? `${list(clones)} | xargs -P4 -n1 lxc-destroy -P "$P" -n\n` : '') +
      `lxc-destroy -P "$P" -n ${origin}\n`,
  };
}

export interface Workdir {
  dir: string;
  spec: string;
  scripts: Record<'seq' | 'xargs', { up: string; down: string }>;
}

export function makeWorkdir(n: number): Workdir {
  const dir = mkdtempSync('/tmp/bench-apply-work-');
  onCleanup(`workdir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const specDir = path.join(dir, project(n));
  mkdirSync(specDir);
  const spec = path.join(specDir, 'locker.yml');
  writeFileSync(spec, specText(n));
  const scripts = {} as Workdir['scripts'];
  for (const kind of ['seq', 'xargs'] as const) {
    const s = shellScripts(n, kind === 'xargs');
    const up = path.join(dir, `${kind}-up.sh`);
    const down = path.join(dir, `${kind}-down.sh`);
    writeFileSync(up, s.up, { mode: 0o755 });
    writeFileSync(down, s.down, { mode: 0o755 });
    scripts[kind] = { up, down };
  }
  return { dir, spec, scripts };
}

export function lockerArgs(command: 'up' | 'down', w: Workdir, n: number, lxcpath: string, parallelism: number): string[] {
  return [LOCKER_BIN, command, '--yes', '-f', w.spec, '-P', lxcpath, '-p', project(n), '--parallelism', String(parallelism)];
}
