// The wire protocol between the control point and the agents: one schema per message, used by both sides.
// Transports only move these bytes; nothing is read off the wire without its schema here.

export { describeIssue, messageInvalid, parseJson, wireMessage, type WireMessage } from './codec.js';
export { heartbeatMessage, parseHeartbeat, type AgentHeartbeat } from './heartbeat.js';
export { jobKindOf, jobMessage, readJob, type JobKey, type ReadJob } from './job.js';
export { decodeObserveRequest, encodeObserveRequest, observeReply, type ObserveReply } from './observe.js';
export { observedHostSchema } from './observed.js';
export { errorJsonSchema, jobResultSchema, resultMessage, type JobResultMessage } from './result.js';
export { EXEC_ID, execOutputMessage, execReply, execRequestMessage, type ExecOutput, type ExecReply, type ExecRequestMessage } from './exec.js';
