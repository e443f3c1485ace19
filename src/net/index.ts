// Port forwarding on the host: Locker's tagged netfilter rules in its own chains, read and changed atomically.
// Must never touch a rule it did not tag, flush a built-in chain, or run a shell string.

export { compareForwards, parseForwards, type TaggedForward } from './parse-forwards.js';
export { readForwards, setForwards, removeForwards, removeRulesTagged, type ForwardRequest } from './forwards.js';
export { ruleTag } from './tag.js';
export { renderHookData } from './hook-commands.js';
