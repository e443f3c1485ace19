// The hosts the project's runs went to, read from the log: where its containers may still be when the
// spec names those hosts no more and their agents no longer report. Pure.

import { z } from 'zod';
import type { LockerEvent } from './types.js';

// Only the hosts: a recorded plan of any version names them the same way.
const recordedHosts = z.object({
  observedDigests: z.record(z.string(), z.unknown()).optional(),
  actions: z.array(z.object({ host: z.string() })).optional(),
});

/** Every host a run of the log planned against or acted on, sorted. */
export function hostsOfRuns(events: readonly LockerEvent[]): string[] {
  const hosts = new Set<string>();
  for (const event of events) {
    if (event.type !== 'run.started') continue;
    const plan = recordedHosts.safeParse(event.data.plan);
    // An unreadable plan is reported by the folds of runs; here it only adds no host.
    if (!plan.success) continue;
    for (const host of Object.keys(plan.data.observedDigests ?? {})) hosts.add(host);
    for (const action of plan.data.actions ?? []) hosts.add(action.host);
  }
  return [...hosts].sort();
}
