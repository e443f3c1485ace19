// Every NATS subject, stream, consumer and bucket name Locker uses, in one place.
// Permissions (nats-config) and code derive from these; a host's names never overlap another's.

export const JOBS_STREAM = 'LOCKER_JOBS';
export const RESULTS_STREAM = 'LOCKER_RESULTS';
export const EVENTS_STREAM = 'LOCKER_EVENTS';
export const AGENTS_BUCKET = 'locker_agents';
export const LOCKS_BUCKET = 'locker_locks';

/** Jobs for one host: a work-queue stream, one durable pull consumer per host. */
export const jobSubject = (host: string) => `locker.jobs.${host}`;
export const jobConsumer = (host: string) => `agent_${host.replaceAll('.', '_')}`;
/** Outcomes of jobs, published by the host's agent. */
export const resultSubject = (host: string) => `locker.results.${host}`;
/** Observe requests (core request/reply) answered by the host's agent. */
export const observeSubject = (host: string) => `locker.observe.${host}`;
/** `locker exec` requests (core request/reply) answered by the host's agent. */
export const execSubject = (host: string) => `locker.exec.${host}`;
/**
 * The output of one exec, published by the host's agent. The host is the last tokens, after the id: an
 * agent may publish on `locker.execout.*.<host>` only, which no other host's subjects match.
 */
export const execOutputSubject = (execId: string, host: string) => `locker.execout.${execId}.${host}`;
/** A project's event log. */
export const eventSubject = (project: string) => `locker.events.${project}`;
/** Heartbeat key of a host in the agents bucket. */
export const heartbeatSubject = (host: string) => `$KV.${AGENTS_BUCKET}.${host}`;
/** The stream behind the agents bucket: agents may create it, so that a fresh agent can report at once. */
export const AGENTS_STREAM = `KV_${AGENTS_BUCKET}`;
/** JetStream API subject creating the agents bucket's stream. */
export const agentsStreamCreateSubject = () => `$JS.API.STREAM.CREATE.${AGENTS_STREAM}`;
/** JetStream API subject reading the last heartbeat of one host, and no other (a direct get by subject). */
export const heartbeatReadSubject = (host: string) => `$JS.API.DIRECT.GET.${AGENTS_STREAM}.${heartbeatSubject(host)}`;
/** Each agent replies on its own inbox prefix, so its user can subscribe to nothing else. */
export const agentInboxPrefix = (host: string) => `_INBOX_${host.replaceAll('.', '_')}`;
/** JetStream de-duplication id of a job or its result: one effect per run/action/attempt. */
export const jobMessageId = (runId: string, actionId: string, attempt: number) => `${runId}|${actionId}|${attempt}`;

/** The run, action and attempt a jobMessageId names; undefined when it is not one. */
export function parseJobMessageId(msgId: string | undefined): { runId: string; actionId: string; attempt: number } | undefined {
  const parts = msgId?.split('|');
  if (parts?.length !== 3) return undefined;
  const [runId, actionId, attemptText] = parts as [string, string, string];
  const attempt = Number(attemptText);
  if (runId === '' || actionId === '' || !Number.isInteger(attempt) || attempt < 1) return undefined;
  return { runId, actionId, attempt };
}

/** Seconds between heartbeats; a host is down after three missed ones. */
export const HEARTBEAT_SECONDS = 2;
export const DOWN_AFTER_MS = HEARTBEAT_SECONDS * 3 * 1000;
