// The host agent: observes one LXC host and runs plan actions on it as jobs, each idempotent.
// Must never trust a job it has not validated itself, throw for a failed action, or delete host volume data.

export { LocalAgent, type LocalAgentOptions } from './local-agent.js';
export { defaultLxcPath } from '../src/lxc/index.js';
export { validateJob, isCleanAbsolute } from './validate-job.js';
export { HOSTNAME_HOOK_SCRIPT } from './hostname-hook-script.js';
export type { NetOps } from './actions/context.js';
export { startNatsAgent, type NatsAgentOptions, type RunningNatsAgent } from './nats-agent.js';
