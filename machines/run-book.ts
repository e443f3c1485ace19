// The run machine's book of its steps: each step's status and attempt, kept up to date one event at a
// time. Copying or rescanning every step per event made a run O(actions²) (issue 11's profile: 250 no-op
// steps took 430 ms of CPU); here an event costs what it touches. Pure: no I/O, no clock.
// It picks exactly what pickReady and blockedByFailure (schedule.ts, the rules) would pick.

import { takesSlot } from '../plans/work-slots.js';
import type { PlannedAction } from '../plans/types.js';
import { blockedByFailure, containerKey, type StepStatus } from './schedule.js';

export class RunBook {
  readonly counts: Record<StepStatus, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  private readonly status: Record<string, StepStatus> = {};
  private readonly attempts: Record<string, number> = {};
  private readonly order = new Map<string, number>();
  /** Per step (plan order): how many of its dependencies have not succeeded (one outside the run never does). */
  private readonly unmet: number[] = [];
  private readonly dependents: number[][] = [];
  /** Pending steps whose dependencies all succeeded, in plan order. */
  private readonly candidates: number[] = [];
  /** Containers with a step running, and how many running steps take a slot. */
  private readonly busy = new Map<string, number>();
  private slotsTaken = 0;
  /** Dead steps (failed, skipped) from before this run started are taken down with the first settle. */
  private deadChecked = false;

  constructor(
    readonly actions: readonly PlannedAction[],
    initialStatus: Readonly<Record<string, StepStatus>> = {},
    initialAttempts: Readonly<Record<string, number>> = {},
  ) {
    actions.forEach((a, i) => {
      this.order.set(a.id, i);
      this.dependents.push([]);
    });
    actions.forEach((a, i) => {
      const s = initialStatus[a.id] ?? 'pending';
      this.status[a.id] = s;
      this.attempts[a.id] = initialAttempts[a.id] ?? 1;
      this.counts[s] += 1;
      if (s === 'running') this.occupy(a);
      let unmet = 0;
      for (const d of a.dependsOn) {
        if ((initialStatus[d] ?? 'pending') === 'succeeded' && this.order.has(d)) continue;
        unmet += 1;
        const j = this.order.get(d);
        if (j !== undefined) this.dependents[j]!.push(i);
      }
      this.unmet.push(unmet);
      if (s === 'pending' && unmet === 0) this.candidates.push(i);
    });
  }

  statusOf(id: string): StepStatus | undefined {
    return this.status[id];
  }

  attemptOf(id: string): number {
    return this.attempts[id] ?? 1;
  }

  setAttempt(id: string, attempt: number): void {
    this.attempts[id] = attempt;
  }

  /** A copy, for the run's output. */
  snapshot(): Record<string, StepStatus> {
    return { ...this.status };
  }

  /**
   * Steps to dispatch now, marked running: candidates in plan order whose container is idle, as many
   * slot-taking ones as `parallelism` leaves free, every stop (see pickReady).
   */
  start(parallelism: number): PlannedAction[] {
    const picked: PlannedAction[] = [];
    let slots = parallelism - this.slotsTaken;
    for (const i of [...this.candidates]) {
      const action = this.actions[i]!;
      if (this.busy.has(containerKey(action))) continue;
      const slot = takesSlot(action);
      if (slot && slots <= 0) continue;
      if (slot) slots -= 1;
      this.set(i, 'running');
      this.occupy(action);
      picked.push(action);
    }
    return picked;
  }

  /**
   * A running step settled. A failure takes down the pending steps that depend on it, transitively:
   * returned in plan order, each with the step that blocks it, already marked skipped.
   */
  settle(id: string, ok: boolean): Array<{ id: string; because: string }> {
    const i = this.order.get(id);
    if (i === undefined) return [];
    const action = this.actions[i]!;
    if (this.status[id] === 'running') this.release(action);
    this.set(i, ok ? 'succeeded' : 'failed');
    if (ok) {
      for (const j of this.dependents[i]!) {
        this.unmet[j]! -= 1;
        if (this.unmet[j] === 0 && this.status[this.actions[j]!.id] === 'pending') this.addCandidate(j);
      }
      if (this.deadChecked) return [];
    }
    // Rare (a failure, or dead steps a resumed run started with): the rules over the whole run.
    this.deadChecked = true;
    const blocked = blockedByFailure(this.actions, this.status);
    for (const b of blocked) this.set(this.order.get(b.id)!, 'skipped');
    return blocked;
  }

  /** Nothing runs and nothing can start: every pending step, marked skipped, with a dependency it waits on. */
  skipStranded(): Array<{ action: PlannedAction; because: string }> {
    const stranded: Array<{ action: PlannedAction; because: string }> = [];
    this.actions.forEach((action, i) => {
      if (this.status[action.id] !== 'pending') return;
      this.set(i, 'skipped');
      stranded.push({ action, because: action.dependsOn.find((d) => this.status[d] !== 'succeeded') ?? 'an unmet dependency' });
    });
    return stranded;
  }

  private set(i: number, s: StepStatus): void {
    const id = this.actions[i]!.id;
    const before = this.status[id]!;
    if (before === 'pending' && this.unmet[i] === 0) this.dropCandidate(i);
    this.counts[before] -= 1;
    this.counts[s] += 1;
    this.status[id] = s;
  }

  private occupy(action: PlannedAction): void {
    const key = containerKey(action);
    this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    if (takesSlot(action)) this.slotsTaken += 1;
  }

  private release(action: PlannedAction): void {
    const key = containerKey(action);
    const n = (this.busy.get(key) ?? 1) - 1;
    if (n === 0) this.busy.delete(key);
    else this.busy.set(key, n);
    if (takesSlot(action)) this.slotsTaken -= 1;
  }

  private addCandidate(i: number): void {
    let at = this.candidates.length;
    while (at > 0 && this.candidates[at - 1]! > i) at -= 1;
    this.candidates.splice(at, 0, i);
  }

  private dropCandidate(i: number): void {
    const at = this.candidates.indexOf(i);
    if (at >= 0) this.candidates.splice(at, 1);
  }
}
