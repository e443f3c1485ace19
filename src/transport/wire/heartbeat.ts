// An agent's heartbeat: its value in the agents bucket (agents write it, the control point and other
// agents read it). Loose: an agent of a newer version may add fields.

import { z } from 'zod';
import type { ObservedHost } from '../../../plans/observed.js';
import { wireMessage } from './codec.js';
import { observedHostSchema } from './observed.js';

export interface AgentHeartbeat {
  host: string;
  lxcpath: string;
  pid: number;
  version: string;
  /** ISO-8601, the agent's clock. */
  at: string;
  /** The machine the agent runs on (its hostname), to tell two agents claiming one host name apart. */
  machine?: string;
  /** Random per agent process: the heartbeat key is a lease, and this says whose it is. */
  instance?: string;
  /** The last ObservedHost the agent saw, so a host can be planned while its agent is down. */
  observed?: ObservedHost;
}

const heartbeatSchema: z.ZodType<AgentHeartbeat, unknown> = z.looseObject({
  host: z.string(),
  lxcpath: z.string(),
  pid: z.number().int(),
  version: z.string(),
  at: z.string(),
  machine: z.string().optional(),
  instance: z.string().optional(),
  // An observation this version cannot read (an older or newer agent) is left out: the beat still says the agent lives.
  observed: observedHostSchema.optional().catch(undefined),
});

export const heartbeatMessage = wireMessage<AgentHeartbeat>('heartbeat', heartbeatSchema);

/** A heartbeat's value, or undefined when it is not one (another version's, or damaged). */
export function parseHeartbeat(value: unknown): AgentHeartbeat | undefined {
  const parsed = heartbeatSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
