// The embedded transport: the control point and the agents share one process.
// It routes by host name and never does host work itself.

import type { ObservedHost, ObserveRequest } from '../../plans/observed.js';
import { LockerError } from '../errors.js';
import type { ExecRequest, ExecResult, ExecSink, Job, JobReporter, JobResult, Transport } from './types.js';

/** What an agent offers the transport (LocalAgent implements it). */
export interface HostAgent {
  readonly host: string;
  observe(request?: ObserveRequest): Promise<ObservedHost>;
  runJob(job: Job, reporter?: JobReporter): Promise<JobResult>;
  exec(request: ExecRequest, sink: ExecSink): Promise<ExecResult>;
}

export class InProcessTransport implements Transport {
  private readonly agents: Map<string, HostAgent>;

  constructor(agents: HostAgent[]) {
    this.agents = new Map(agents.map((a) => [a.host, a]));
  }

  private agentFor(host: string): HostAgent {
    const agent = this.agents.get(host);
    if (!agent) {
      throw new LockerError('AGENT_OFFLINE', `no agent for host "${host}" in embedded mode`, {
        hint: `embedded mode drives only ${[...this.agents.keys()].map((h) => `"${h}"`).join(', ')}; use --nats URL to reach other hosts`,
      });
    }
    return agent;
  }

  observe(host: string, request?: ObserveRequest): Promise<ObservedHost> {
    return this.agentFor(host).observe(request);
  }

  async run(job: Job, reporter: JobReporter): Promise<JobResult> {
    return this.agentFor(job.action.host).runJob(job, reporter);
  }

  exec(host: string, request: ExecRequest, sink: ExecSink): Promise<ExecResult> {
    return this.agentFor(host).exec(request, sink);
  }

  async close(): Promise<void> {}
}
