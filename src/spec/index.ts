// The spec loader: locker.yml text in, a validated, normalised DesiredState out, or one
// located SPEC_INVALID/PLAN_CYCLE error. Pure: it must never touch files, hosts or processes.
export { loadSpec, type LoadSpecInput } from './load-spec.js';
export { checkCloneOrigins } from './clones.js';
export { validateProjectName } from './names.js';
// The rules an agent applies again to every job: shared, so both sides refuse the same things.
export { describeUnsafeArg, describeUnsafePath, SAFE_TEXT_RULE } from './safe-text.js';
export { describeViolation, findRefusedMount, optInHint, FORBIDDEN_HOST_TREES, type ForbiddenTree } from './mount-policy.js';
export { SPEC_LIMITS, assertSpecBytes } from './limits.js';
export { parsePort, PORT_FORMS } from './ports.js';
export type * from './types.js';
