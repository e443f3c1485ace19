// The planner: a pure diff of desired vs observed host state into an ordered, reviewable, savable Plan.
// It must never do I/O (no node:fs, no execa, no clock): same inputs, byte-identical plan.

export { planChanges, type PlanInput } from './plan-changes.js';
export { digestObserved } from './digest.js';
export { observeRequests } from './observe-request.js';
export { holdsProject } from './find-leftovers.js';
export { renderPlan, summarizePlan, type PlanSummary } from './render-plan.js';
export { serializePlan, parsePlan, computePlanId } from './plan-file.js';
export { orderActions } from './order-actions.js';
export { takesSlot } from './work-slots.js';
export { provisionDigest, provisionCommands } from './provision-digest.js';
export { labelPort } from '../src/rules/ports.js';
export type * from './types.js';
export type * from './observed.js';
