// Locker on NATS: subject and stream names, connecting, the JetStream resources, the agents registry, the server config.
// Agents never change JetStream resources: only the control point's user manages them (ensureNatsResources); an agent may only create the agents bucket.

export * from './names.js';
export {
  connectNats,
  identityOf,
  parseNatsServers,
  readCredentials,
  refusalOf,
  type ConnectOptions,
  type NatsCredentials,
} from './connect.js';
export { assertCredentialsFit, natsAuthError, unrestrictedWarning, userRole, type NatsIdentity, type NatsRole } from './auth.js';
export {
  ensureNatsResources,
  JOB_ACK_WAIT_MS,
  LOCK_LEASE_MS,
  type EnsuredReplicas,
  type NatsResourceOptions,
} from './ensure-resources.js';
export { chooseReplicas, clusterSize, parseReplicas, MAX_REPLICAS, type NatsReplicas } from './replicas.js';
export { ELECTION_PATIENCE_MS, isElecting, whileElecting } from './while-electing.js';
export { CLUSTER_NAME, clusterMembers, ROUTE_PORT_OFFSET, ROUTE_USER, type NatsClusterMember } from './cluster-members.js';
export { getAgent, listAgentHosts, listAgents, parseHeartbeat, publishHeartbeat, type AgentHeartbeat, type AgentStatus } from './agents-registry.js';
export { agentsStreamConfig, createAgentsBucket, readHeartbeat, type StoredHeartbeat } from './agents-bucket.js';
export {
  agentPermissions,
  agentUser,
  assertHostName,
  renderNatsConfig,
  type NatsConfigInput,
  type NatsUser,
} from './nats-config.js';
export { CONTROL_USER, writeNatsConfig, type WriteNatsConfigOptions, type WrittenNatsConfig } from './write-nats-config.js';
