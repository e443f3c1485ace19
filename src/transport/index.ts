// The seam between the control point and host agents (in-process now, NATS for many hosts).
// Nothing above this module may know which transport runs.

export type { Job, JobReporter, JobResult, Transport } from './types.js';
export { InProcessTransport, type HostAgent } from './in-process.js';
export { NatsTransport, type NatsTransportOptions, type JobResultMessage, type ObserveReply } from './nats-transport.js';
