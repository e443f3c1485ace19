// The tally of a fault-test file: faults injected, runs recovered, actions lost, actions duplicated.
// Printed once per file (afterAll) and, when LOCKER_FAULT_TALLY names a file, appended to it as one JSON
// line, followed by the sum of every report in that file (so the last file run prints the whole tally).

import { appendFile, readFile } from 'node:fs/promises';
import type { HostReport } from './host-integrity.js';
import type { RunIntegrity } from './run-integrity.js';

export interface TallyCounts {
  faultsInjected: number;
  runsRecovered: number;
  actionsLost: number;
  actionsDuplicated: number;
}

export interface FaultTally {
  readonly counts: Readonly<TallyCounts>;
  /** A fault the test injected (a SIGKILL, a failing template), described for the report. */
  fault(what: string): void;
  /** A run that ended `succeeded` after a fault hit it. */
  recovered(runId: string): void;
  /** Something the report should say about how a fault was survived. */
  note(text: string): void;
  /**
   * Adds what the checks found: actions without a success (lost), actions with more than one
   * success (duplicated), and effects present twice on a host (counted as duplicated too).
   */
  checked(runs: readonly RunIntegrity[], host?: HostReport): void;
  /** Prints the tally and appends it to $LOCKER_FAULT_TALLY if set. */
  report(): Promise<void>;
}

export function createFaultTally(file: string): FaultTally {
  const counts: TallyCounts = { faultsInjected: 0, runsRecovered: 0, actionsLost: 0, actionsDuplicated: 0 };
  const faults: string[] = [];
  const notes: string[] = [];
  const recovered = new Set<string>();
  return {
    counts,
    fault(what) {
      counts.faultsInjected += 1;
      faults.push(what);
    },
    recovered(runId) {
      recovered.add(runId);
      counts.runsRecovered = recovered.size;
    },
    note(text) {
      notes.push(text);
    },
    checked(runs, host) {
      for (const run of runs) {
        counts.actionsLost += run.lost.length;
        counts.actionsDuplicated += run.duplicated.length;
      }
      counts.actionsDuplicated += host?.duplicates ?? 0;
    },
    async report() {
      const line = { file, ...counts, faults, notes, at: new Date().toISOString() };
      console.log(
        `fault tally ${file}: faults injected ${counts.faultsInjected}, runs recovered ${counts.runsRecovered}, ` +
          `actions lost ${counts.actionsLost}, actions duplicated ${counts.actionsDuplicated}\n` +
          `  faults: ${faults.join('; ') || 'none'}${notes.length > 0 ? `\n  notes: ${notes.join('; ')}` : ''}`,
      );
      const target = process.env.LOCKER_FAULT_TALLY;
      if (!target) return;
      await appendFile(target, `${JSON.stringify(line)}\n`);
      const all = await totals(target);
      console.log(
        `fault tally so far in ${target} (${all.files} file reports): faults injected ${all.faultsInjected}, runs recovered ` +
          `${all.runsRecovered}, actions lost ${all.actionsLost}, actions duplicated ${all.actionsDuplicated}`,
      );
    },
  };
}

/** The sum of every report appended to a tally file (one JSON line per test file run). */
export async function totals(file: string): Promise<TallyCounts & { files: number }> {
  const sum = { files: 0, faultsInjected: 0, runsRecovered: 0, actionsLost: 0, actionsDuplicated: 0 };
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as TallyCounts;
    sum.files += 1;
    sum.faultsInjected += r.faultsInjected;
    sum.runsRecovered += r.runsRecovered;
    sum.actionsLost += r.actionsLost;
    sum.actionsDuplicated += r.actionsDuplicated;
  }
  return sum;
}
