// 3. Observe cost: processes started by LocalAgent.observe() on a host with N containers (strace -f of a
// process that observes once), and its wall time. The containers are real: Locker brings them up.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { specText } from './apply-workload.js';
import { onCleanup } from './cleanup.js';
import { newLxcPath } from './lxc-host.js';
import { benchFile, LOCKER_BIN, type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import { mustRun } from './proc.js';
import { median, percentile } from './stats.js';
import { describeExecs, straceRun, totalExecs } from './strace.js';
import { ms, table, verdict } from './table.js';

const MAX_PROGRAMS = 3;

export async function runObserveCost(o: PartOptions): Promise<PartResult> {
  const sizes = o.quick ? [1, 10] : [1, 10, 50];
  const rounds = o.quick ? 5 : 20;
  const host = newLxcPath('observe');
  const work = mkdtempSync('/tmp/bench-observe-work-');
  const dropWork = onCleanup(`observe work ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const specDir = path.join(work, 'benchobs');
  mkdirSync(specDir);
  const spec = path.join(specDir, 'locker.yml');
  const env = { ...process.env, LOCKER_STATE_DIR: path.join(work, 'state') };
  const rows: string[][] = [];
  const targets: TargetVerdict[] = [];
  let lsRows: string[][] = [];
  try {
    for (const n of sizes) {
      // Same project, growing spec: Locker adds the clones (stopping the origin around the copies).
      writeFileSync(spec, specText(n).replaceAll(`bench${n}_`, 'benchobs_'));
      await mustRun(process.execPath, [LOCKER_BIN, 'up', '--yes', '-f', spec, '-P', host.lxcpath, '-p', 'benchobs'], { env });
      await host.awaitLeases();
      const traced = await straceRun(path.join(work, `observe-${n}.strace`), process.execPath, [benchFile('observe-child'), host.lxcpath, '1']);
      if (traced.code !== 0) throw new Error(`observe under strace failed: ${traced.stderr.slice(-2000)}`);
      const seen = JSON.parse(traced.stdout) as { containers: number };
      if (seen.containers !== n) throw new Error(`observe saw ${seen.containers} containers, expected ${n}`);
      const programs = totalExecs(traced.execs, ['node']);
      // node's own start-up creates no processes: every fork here comes from observe() and what it runs.
      const timed = await mustRun(process.execPath, [benchFile('observe-child'), host.lxcpath, String(rounds)]);
      const times = (JSON.parse(timed.stdout) as { times: number[] }).times;
      const ok = programs <= MAX_PROGRAMS;
      targets.push({ part: 'observe', what: `programs started per observe, N=${n}`, value: String(programs), target: `≤ ${MAX_PROGRAMS}, constant`, met: ok });
      if (n === sizes.at(-1)) {
        targets.push({ part: 'observe', what: `observe wall time, N=${n} (median)`, value: ms(median(times)), target: 'reported', met: true });
      }
      rows.push([
        String(n),
        String(programs),
        describeExecs(traced.execs, ['node']),
        String(traced.forks),
        ms(median(times)),
        ms(percentile(times, 90)),
        ms(times[0]!),
        verdict(ok),
      ]);
      if (n === sizes.at(-1)) lsRows = await lxcLsVariants(host.lxcpath, work, n);
      o.log(`[observe] N=${n}: ${programs} programs (${describeExecs(traced.execs, ['node'])}), ${traced.forks} processes, median ${ms(median(times))}`);
    }
  } finally {
    await host.destroy();
    await dropWork();
  }
  const constant = new Set(rows.map((r) => r[1])).size === 1;
  targets.push({ part: 'observe', what: 'programs per observe constant in N', value: constant ? 'yes' : 'no', target: 'constant', met: constant });
  return {
    title: '3. Observe cost',
    markdown: [
      `LocalAgent.observe() on an lxcpath with N running busybox containers (Locker-managed: origin + snapshot clones). ` +
        `"programs" = successful execve under \`strace -f\` of a Node process that observes once (Node itself not counted); ` +
        `"processes" = every process created (fork/clone without CLONE_THREAD), including those lxc-ls forks itself. ` +
        `Wall times: ${rounds} observations in one process (the first includes loading the modules).`,
      table(['N', 'programs', 'which', 'processes', 'median', 'p90', 'first', 'verdict'], rows),
      `Where the per-container processes come from: lxc-ls alone, with and without the IPV4 column (strace -f; median of 9 runs):`,
      table(['command', 'N', 'processes', 'median'], lsRows),
    ].join('\n\n'),
    targets,
  };
}

/** lxc-ls enters each running container's network namespace (a fork each) to read its addresses. */
async function lxcLsVariants(lxcpath: string, work: string, n: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (const fields of ['NAME,STATE,PID,IPV4', 'NAME,STATE,PID']) {
    const args = ['-P', lxcpath, '-f', '-F', fields];
    const traced = await straceRun(path.join(work, `lxc-ls-${fields}.strace`), 'lxc-ls', args);
    const times: number[] = [];
    for (let i = 0; i < 9; i++) times.push((await mustRun('lxc-ls', args)).ms);
    rows.push([`lxc-ls -f -F ${fields}`, String(n), String(traced.forks), ms(median(times))]);
  }
  return rows;
}
