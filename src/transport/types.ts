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

/** A command to run inside a running container of a project (`locker exec`); checked again by the agent. */
export interface ExecRequest {
  project: string;
  /** Short name. */
  container: string;
  /** LXC name on the host: `<project>_<container>`. */
  lxcName: string;
  /** The program and its arguments, as they reach execve inside: never a shell line on the host. */
  argv: string[];
}

/** Where the command's output goes, chunk by chunk, as it comes. */
export interface ExecSink {
  stdout(chunk: Uint8Array): void;
  stderr(chunk: Uint8Array): void;
}

/** How the command ended: its exit status, 128+N for a death by signal N (as shells report it). */
export interface ExecResult {
  exitCode: number;
  /** Set when the status is a signal's: `SIGKILL`. */
  signal?: string;
}

export interface Transport {
  /** Observed state of one host, in one pass; `request` names host folders to look at too. */
  observe(host: string, request?: ObserveRequest): Promise<ObservedHost>;
  /** Runs a job on its host; resolves with the outcome (a failed action is a result, not a throw). */
  run(job: Job, reporter: JobReporter): Promise<JobResult>;
  /**
   * Runs a command inside a container of the host, its output streamed to `sink` as it comes; resolves
   * when it ended. Throws what kept it from running (unknown container, not running, host down).
   */
  exec(host: string, request: ExecRequest, sink: ExecSink): Promise<ExecResult>;
  close(): Promise<void>;
}
