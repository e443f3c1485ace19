// The spec loader: locker.yml text in, a validated, normalised DesiredState out, or one
// located SPEC_INVALID/PLAN_CYCLE error. Pure: it must never touch files, hosts or processes.
export { loadSpec, type LoadSpecInput } from './load-spec.js';
export { checkCloneOrigins } from './clones.js';
export { NAME_RULE, validateProjectName, lxcNameOf } from './names.js';
export { parsePort, PORT_FORMS } from './ports.js';
export { canonicalJson } from './digest.js';
export type * from './types.js';
