// The seam between the control point and host agents: in-process (embedded mode) or over NATS (many hosts).
// Nothing above this module may know which transport runs.

export type { Job, JobReporter, JobResult, Transport } from './types.js';
export { InProcessTransport, type HostAgent } from './in-process.js';
export { encodeObserveRequest, parseObserveRequest } from './observe-request.js';
export { NatsTransport, type NatsTransportOptions, type JobResultMessage, type ObserveReply } from './nats-transport.js';
