// Carries out a plan on the hosts through a transport, recording every step in the event log.
// It never plans and never talks to LXC directly.

export { applyPlan, type ApplyOptions, type ApplyResult, type ContinuedRun, type ProgressNote } from './apply-plan.js';
export { newRunId } from './run-id.js';
export { continueRun, stepsToRun } from './continue-run.js';
