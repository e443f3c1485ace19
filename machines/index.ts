// xstate v5 machines that execute a plan: a run orchestrator and one actor per container.
// Pure logic: they never touch a host or a log themselves; jobs and recording are provided from outside.

export { containerMachine, type ActionRequest, type ActionRun, type ActionSettled } from './container-machine.js';
export { runMachine, type RunEmitted, type RunInput, type RunOutcome, type RunOutput } from './run-machine.js';
export { blockedByFailure, containerKey, countStatus, pickReady, type StepStatus } from './schedule.js';
export { toFinishedEvent, toLogEvent, type RunScope } from './to-log-events.js';
