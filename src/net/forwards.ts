// Reading and changing Locker's forwards on this host: read all rules, compute the change, apply it at once.
// Never touches a rule without a Locker tag, and never deletes the shared chains or their jumps.

import type { ForwardParams } from '../../plans/types.js';
import { LockerError } from '../errors.js';
import { jumpRules, portRules } from './forward-rules.js';
import { restoreRules, saveRules } from './iptables.js';
import { forwardsOf, type TaggedForward } from './parse-forwards.js';
import { diffRules, isEmptyChange, missingChains, renderRestore, type RuleChange } from './restore-script.js';
import { parseSave, type SavedRules } from './saved-rules.js';
import { enableForwarding } from './sysctl.js';
import { JUMP_TAG, ruleTag } from './tag.js';
import { assertForwardInput, assertName } from './validate.js';

/** Another process may change the rules between our read and our write; the script then fails whole, and we redo both. */
const ATTEMPTS = 3;

export async function readForwards(): Promise<TaggedForward[]> {
  return forwardsOf(parseSave(await saveRules()));
}

export async function setForwards(a: {
  host: string;
  project: string;
  container: string;
  targetIp: string;
  ports: ForwardParams[];
}): Promise<'done' | 'adopted'> {
  assertName('host', a.host);
  assertForwardInput(a);
  const changed = await applyChange((saved) => {
    assertNoConflict(saved, a);
    const wanted = a.ports.flatMap((p) => portRules(a, p));
    const own = diffRules(ownRules(saved, a), wanted);
    const jumps = diffRules(
      saved.rules.filter((r) => r.comment === JUMP_TAG),
      jumpRules(),
    );
    return {
      create: missingChains(saved),
      remove: [...own.remove, ...jumps.remove],
      append: own.add,
      insert: jumps.add,
    };
  });
  // After the rules, so a refused change (a port conflict) leaves the kernel switches as they were.
  const switched = await enableForwarding();
  return changed || switched ? 'done' : 'adopted';
}

export async function removeForwards(a: { host: string; project: string; container: string }): Promise<'done' | 'adopted'> {
  assertName('host', a.host);
  assertName('project', a.project);
  assertName('container', a.container);
  const changed = await applyChange((saved) => ({ create: [], remove: ownRules(saved, a), append: [], insert: [] }));
  return changed ? 'done' : 'adopted';
}

/** The rules of one container of one agent host (another agent on this kernel may have a namesake). */
function ownRules(saved: SavedRules, a: { host: string; project: string; container: string }) {
  return taggedWith(saved, ruleTag(a.project, a.container)).filter((r) => r.comment?.endsWith(`:${a.host}`));
}

export async function removeRulesTagged(prefix: string): Promise<void> {
  // An empty prefix would match every commented rule on the host, including other tools'.
  if (prefix.length === 0) throw new LockerError('HOST_PRECONDITION', 'refusing to remove rules by an empty tag prefix');
  await applyChange((saved) => deletion(saved, prefix));
}

function deletion(saved: SavedRules, prefix: string): RuleChange {
  return { create: [], remove: taggedWith(saved, prefix), append: [], insert: [] };
}

function taggedWith(saved: SavedRules, prefix: string) {
  return saved.rules.filter((r) => r.comment?.startsWith(prefix));
}

/** Two containers forwarding one host port would race for it: the first rule wins and the second is silently dead. */
function assertNoConflict(saved: SavedRules, a: { host: string; project: string; container: string; ports: ForwardParams[] }): void {
  for (const f of forwardsOf(saved)) {
    if (f.host === a.host && f.project === a.project && f.container === a.container) continue;
    const clash = a.ports.find(
      (p) =>
        p.protocol === f.protocol &&
        p.hostPort === f.hostPort &&
        (p.hostIp === undefined || f.hostIp === undefined || p.hostIp === f.hostIp),
    );
    if (clash) {
      throw new LockerError('HOST_PRECONDITION', `host port ${clash.hostPort}/${clash.protocol} is already forwarded to ${f.project}:${f.container}`, {
        hint: `free it first (locker rmports in project ${f.project}) or pick another host port`,
      });
    }
  }
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs one read-compute-write at a time in this process; true when rules had to change. */
function applyChange(compute: (saved: SavedRules) => RuleChange): Promise<boolean> {
  const next = queue.then(async () => {
    for (let attempt = 1; ; attempt++) {
      const change = compute(parseSave(await saveRules()));
      if (isEmptyChange(change)) return false;
      try {
        await restoreRules(renderRestore(change));
        return true;
      } catch (e) {
        if (attempt >= ATTEMPTS || !(e instanceof LockerError) || !e.retryable) throw e;
      }
    }
  });
  queue = next.catch(() => undefined);
  return next;
}
