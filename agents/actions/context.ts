// What every action gets: the host's lxcpath, the action, the netfilter operations, and its limits.
// Actions check their own precondition and adopt what already exists, so a duplicate job has its effect once.

import type { ActionParams, PlannedAction } from '../../plans/types.js';
import type { ForwardRequest, TaggedForward } from '../../src/net/index.js';
import type { OutputTail } from '../output-tail.js';

/** The src/net operations an agent uses; replaceable so an agent can be wired to another netfilter owner. */
export interface NetOps {
  /** Every Locker forward of the kernel, each with the agent host its tag names. */
  readForwards(): Promise<TaggedForward[]>;
  /** `targetIp6` is the container's IPv6 address, needed only for ports with `ipv6: true`. */
  setForwards(a: ForwardRequest): Promise<'done' | 'adopted'>;
  removeForwards(a: { host: string; project: string; container: string }): Promise<'done' | 'adopted'>;
}

export interface ActionContext {
  lxcpath: string;
  action: PlannedAction;
  net: NetOps;
  ipv4TimeoutMs: number;
  /** Where this machine's address claims live (src/lxc ADDRESS_DIR unless a test moves it). */
  addressDir: string;
  /** Where this machine's uid range claims live (src/lxc RANGES_DIR unless a test moves it). */
  rangesDir: string;
  /** Where a step that runs the user's commands writes their output (streamed, and its tail kept). */
  output: OutputTail;
}

export interface ActionOutcome {
  outcome: 'done' | 'adopted';
  detail?: string;
  /** Done, but not as asked: the user should hear of it (a stop that had to kill). */
  warning?: string;
}

export type ParamsOf<K extends ActionParams['kind']> = Extract<ActionParams, { kind: K }>;

export type ActionRunner<K extends ActionParams['kind']> = (ctx: ActionContext, params: ParamsOf<K>) => Promise<ActionOutcome>;

export function done(detail: string): ActionOutcome {
  return { outcome: 'done', detail };
}

export function adopted(detail: string): ActionOutcome {
  return { outcome: 'adopted', detail };
}
