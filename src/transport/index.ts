// The seam between the control point and host agents: in-process (embedded mode) or over NATS (many hosts).
// Nothing above this module may know which transport runs.

export type { Job, JobReporter, JobResult, Transport } from './types.js';
export { InProcessTransport, type HostAgent } from './in-process.js';
export { NatsTransport, type NatsTransportOptions } from './nats-transport.js';
export * from './wire/index.js';
