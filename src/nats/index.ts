// Locker on NATS: subject and stream names, connecting, the JetStream resources, the agents registry, the server config.
// Agents must never create or change JetStream resources; only the control point's user may, through ensureNatsResources.

export * from './names.js';
export { connectNats, readCredentials, type ConnectOptions, type NatsCredentials } from './connect.js';
export { ensureNatsResources, JOB_ACK_WAIT_MS, LOCK_LEASE_MS } from './ensure-resources.js';
export { getAgent, listAgents, publishHeartbeat, type AgentHeartbeat, type AgentStatus } from './agents-registry.js';
export {
  agentPermissions,
  agentUser,
  assertHostName,
  renderNatsConfig,
  HOST_NAME,
  type NatsConfigInput,
  type NatsUser,
} from './nats-config.js';
export { CONTROL_USER, writeNatsConfig, type WriteNatsConfigOptions, type WrittenNatsConfig } from './write-nats-config.js';
