// While a run's steps wait for a host whose agent is down: "waiting for h05 (down since ...): 3 steps
// queued", said when it starts, again when it changes and every little while as it lasts, and when the host is back.

import type { PlannedAction } from '../../plans/types.js';
import type { ProgressNote } from '../apply/index.js';
import type { AgentPresence } from './control-point.js';
import { formatAge } from './output.js';

/** How often the hosts of waiting steps are looked at (an agent heartbeats every 2 s). */
export const QUEUE_POLL_MS = 2_000;
/** A wait that does not change is said again this often, with its new age: the user sees it is current. */
export const QUEUE_REFRESH_MS = 10_000;

export interface QueueWatchOptions {
  actions: readonly PlannedAction[];
  /** Steps a continued run already settled: they wait for nothing. */
  settled?: ReadonlySet<string>;
  presence(host: string): Promise<AgentPresence>;
  say(line: string): void;
  now?: () => number;
}

interface Said {
  key: string;
  at: number;
}

export class QueueWatch {
  /** Dispatched and not yet taken by an agent: in the host's queue. */
  private readonly queued = new Set<string>();
  /** Taken by an agent or settled. */
  private readonly taken = new Set<string>();
  private readonly said = new Map<string, Said>();
  private readonly hostOf: Map<string, string>;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(private readonly o: QueueWatchOptions) {
    this.hostOf = new Map(o.actions.map((a) => [a.id, a.host]));
    for (const id of o.settled ?? []) this.taken.add(id);
    this.now = o.now ?? Date.now;
  }

  note(n: ProgressNote): void {
    const id = n.action.id;
    switch (n.type) {
      case 'dispatched':
        this.taken.delete(id);
        this.queued.add(id);
        return;
      case 'retrying':
        // Waits out its back-off here, not in a queue: dispatched again later.
        this.queued.delete(id);
        return;
      default:
        this.queued.delete(id);
        this.taken.add(id);
    }
  }

  start(everyMs = QUEUE_POLL_MS): void {
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => {
        this.polling = undefined;
      });
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    // A host whose queued steps were all taken since the last look: said here, or never.
    for (const host of [...this.said.keys()].sort()) {
      if (![...this.queued].some((id) => this.hostOf.get(id) === host)) this.sayBack(host);
    }
  }

  private sayBack(host: string): void {
    if (this.said.delete(host)) this.o.say(`${host} is back: its queued steps run`);
  }

  /** One look at the hosts with queued steps (and those said to be waiting). */
  async poll(): Promise<void> {
    const waiting = new Map<string, number>();
    for (const id of this.queued) {
      const host = this.hostOf.get(id);
      if (host !== undefined) waiting.set(host, (waiting.get(host) ?? 0) + 1);
    }
    const hosts = [...new Set([...waiting.keys(), ...this.said.keys()])].sort();
    for (const host of hosts) {
      const queued = waiting.get(host) ?? 0;
      let presence: AgentPresence;
      try {
        presence = await this.o.presence(host);
      } catch {
        continue; // NATS itself away for a moment: the next look says it
      }
      // Steps that left the queue were taken by its agent: the host is back even before its heartbeat says so.
      if (presence.state === 'up' || queued === 0) {
        this.sayBack(host);
        continue;
      }
      this.sayWaiting(host, presence, queued);
    }
  }

  private sayWaiting(host: string, presence: Exclude<AgentPresence, { state: 'up' }>, queued: number): void {
    const after = this.o.actions.filter((a) => a.host === host && !this.taken.has(a.id) && !this.queued.has(a.id)).length;
    const key = `${presence.state}|${queued}|${after}`;
    const now = this.now();
    const last = this.said.get(host);
    if (last !== undefined && last.key === key && now - last.at < QUEUE_REFRESH_MS) return;
    this.said.set(host, { key, at: now });
    const why =
      presence.state === 'never'
        ? `no agent has reported as ${host}`
        : `down since ${new Date(now - presence.ageMs).toISOString().replace(/\.\d+Z$/, 'Z')}, last heartbeat ${formatAge(presence.ageMs)} ago`;
    const more = after > 0 ? `, ${after} more after them` : '';
    this.o.say(`waiting for ${host} (${why}): ${queued} ${queued === 1 ? 'step' : 'steps'} queued${more}`);
  }
}
