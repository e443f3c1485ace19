// The one seam between the control point and the host agents: in-process or over NATS.
// Nothing above it knows which one runs.

import type { ObservedHost, ObserveRequest } from '../../plans/observed.js';
import type { PlannedAction } from '../../plans/types.js';
import type { LockerErrorJSON } from '../errors.js';

/** One action to run on one host; self-contained so an agent can validate it alone. */
export interface Job {
  runId: string;
  planId: string;
  attempt: number;
  action: PlannedAction;
}

export type JobResult =
  /** `warning`: done, but not as asked (a stop that had to kill); shown to the user and recorded. */
  | { ok: true; outcome: 'done' | 'adopted'; detail?: string; warning?: string; output?: string }
  | { ok: false; error: LockerErrorJSON; output?: string };

/** Lifecycle callbacks an agent reports while it works on a job. */
export interface JobReporter {
  started(): void;
  /**
   * Lines a step's commands printed inside the container (provision), as they come. `output` of the
   * result is their tail (the last ~4 KiB), kept in the event log.
   */
  output?(lines: string[]): void;
}

export interface Transport {
  /** Observed state of one host, in one pass; `request` names host folders to look at too. */
  observe(host: string, request?: ObserveRequest): Promise<ObservedHost>;
  /** Runs a job on its host; resolves with the outcome (a failed action is a result, not a throw). */
  run(job: Job, reporter: JobReporter): Promise<JobResult>;
  close(): Promise<void>;
}
