// The event log's closed, versioned vocabulary (past tense), validated with zod when read.
// Pure: no I/O here.

import { z } from 'zod';

// Built on first use (z.lazy), not when the module loads: the schemas take milliseconds to construct, and `plan` or
// `status` of a project without runs reads no event.
function buildSchemas() {
  const errorJson: z.ZodType<unknown> = z.object({
    name: z.literal('LockerError'),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
  }).passthrough();

  const base = {
    v: z.literal(1),
    /** Monotonically increasing across the whole log, starting at 1. */
    seq: z.number().int().positive(),
    /** ISO-8601. */
    ts: z.string(),
    project: z.string(),
  };

  const runScoped = {
    ...base,
    runId: z.string(),
    planId: z.string(),
  };

  /** The control point process that runs a run: where to look for it while the run is unfinished. */
  const runProcess = z.object({ pid: z.number().int().positive(), hostname: z.string() });

  const actionScoped = {
    ...runScoped,
    actionId: z.string(),
    host: z.string(),
    container: z.string(),
    attempt: z.number().int().positive(),
  };

  /** Who held a lock, as its holder wrote it (`command`: the locker command line). */
  const lockHolder = z.object({
    pid: z.number().int().positive(),
    hostname: z.string(),
    since: z.string(),
    command: z.string().optional(),
  });

  const event = z.discriminatedUnion('type', [
    z.object({
      ...base,
      type: z.literal('plan.created'),
      planId: z.string(),
      data: z.object({ mode: z.string(), actions: z.number().int(), specDigest: z.string() }),
    }),
    z.object({
      ...runScoped,
      type: z.literal('run.started'),
      data: z.object({
        command: z.string(),
        parallelism: z.number().int().positive(),
        /** The whole plan: a run can be resumed and shown from the log alone. */
        plan: z.unknown(),
        /** Absent in logs written before it was recorded. */
        by: runProcess.optional(),
      }),
    }),
    z.object({ ...actionScoped, type: z.literal('action.dispatched'), data: z.object({ kind: z.string() }) }),
    z.object({ ...actionScoped, type: z.literal('action.started'), data: z.object({ kind: z.string() }) }),
    z.object({
      ...actionScoped,
      type: z.literal('action.succeeded'),
      data: z.object({
        kind: z.string(),
        /** `done`: the action changed the host; `adopted`: its effect was already there. */
        outcome: z.enum(['done', 'adopted']),
        detail: z.string().optional(),
        /** Done, but not as asked: e.g. a stop that ran into its timeout and killed the container. */
        warning: z.string().optional(),
        /** The tail (last ~4 KiB) of what the step's commands printed inside the container (provision). */
        output: z.string().optional(),
        durationMs: z.number().nonnegative(),
      }),
    }),
    z.object({
      ...actionScoped,
      type: z.literal('action.failed'),
      data: z.object({
        kind: z.string(),
        error: errorJson,
        /** The tail (last ~4 KiB) of what the step's commands printed inside the container (provision). */
        output: z.string().optional(),
        durationMs: z.number().nonnegative(),
        /** Present when this try will be followed by another (retryable error, tries left). */
        retry: z.object({ inMs: z.number().nonnegative(), maxAttempts: z.number().int().positive() }).optional(),
      }),
    }),
    z.object({
      ...actionScoped,
      type: z.literal('action.skipped'),
      data: z.object({ kind: z.string(), because: z.string() }),
    }),
    z.object({
      ...runScoped,
      type: z.literal('run.resumed'),
      data: z.object({
        /** `retry`: failed and skipped steps get a new attempt; `resume`: a dead control point's run is finished. */
        mode: z.enum(['retry', 'resume']),
        command: z.string(),
        /** The process that continues the run from now on; absent in older logs. */
        by: runProcess.optional(),
      }),
    }),
    z.object({
      ...runScoped,
      type: z.literal('run.finished'),
      data: z.object({
        outcome: z.enum(['succeeded', 'failed', 'interrupted']),
        succeeded: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
      }),
    }),
    z.object({
      ...base,
      type: z.literal('exec.finished'),
      /** `locker exec`: what ran where and how it ended; never its output. */
      data: z.object({
        host: z.string(),
        container: z.string(),
        argv: z.array(z.string()),
        exitCode: z.number().int(),
        /** Set when lxc-attach itself was killed by that signal. */
        signal: z.string().optional(),
        durationMs: z.number().nonnegative(),
        by: runProcess,
      }),
    }),
    z.object({
      ...base,
      type: z.literal('lock.unlocked'),
      data: z.object({
        /** The holder `locker unlock` released; absent when the lock named none it could read. */
        holder: lockHolder.optional(),
        /** The lock file, or `bucket/key` in NATS KV. */
        where: z.string(),
        /** The process that ran `locker unlock`. */
        by: runProcess,
      }),
    }),
  ]);
  return { event, runProcess };
}

export const lockerEventSchema = z.lazy(() => buildSchemas().event);

export type LockerEvent = z.infer<typeof lockerEventSchema>;
export type RunProcess = z.infer<ReturnType<typeof buildSchemas>['runProcess']>;
export type LockerEventType = LockerEvent['type'];

/** An event before the store gives it its sequence number and timestamp. */
export type NewEvent = LockerEvent extends infer E ? (E extends LockerEvent ? Omit<E, 'seq' | 'ts' | 'v'> : never) : never;

/** The append-only log, whatever holds it (a local file, a JetStream stream). */
export interface EventStore {
  /**
   * Appends durably, in order; returns the events as stored (with seq and ts). `written`, when the store
   * has such a moment, is called once the events are in the log but before they are durable (the file
   * store: written, not yet synced): a crash of this process keeps them, a power cut may not.
   */
  append(events: NewEvent[], written?: () => void): Promise<LockerEvent[]>;
  /** Every event of the project, in sequence order. */
  readAll(): Promise<LockerEvent[]>;
  close(): Promise<void>;
}
