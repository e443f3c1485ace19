// Reading and changing Locker's forwards on this host: read all rules, compute the change, apply it at once.
// Never touches a rule without a Locker tag, and never deletes the shared chains or their jumps.

import type { ForwardParams } from '../../plans/types.js';
import { LockerError } from '../errors.js';
import { portsOverlap } from '../rules/ports.js';
import { familyOf, FAMILIES, type Family, type PerFamily } from './family.js';
import { jumpRules, portRules } from './forward-rules.js';
import { restoreRules, saveIpv6Rules, saveRules } from './iptables.js';
import { forwardsOf, type TaggedForward } from './parse-forwards.js';
import { diffRules, isEmptyChange, missingChains, renderRestore, type RuleChange } from './restore-script.js';
import { emptySave, parseSave, type SavedRules } from './saved-rules.js';
import { enableForwarding } from './sysctl.js';
import { JUMP_TAG, ruleTag } from './tag.js';
import { assertForwardInput, assertName, canonicalIpv6 } from './validate.js';

/** Another process may change the rules between our read and our write; the script then fails whole, and we redo both. */
const ATTEMPTS = 3;

type Saved = PerFamily<SavedRules>;
type Changes = Partial<PerFamily<RuleChange>>;

const NO_CHANGE: RuleChange = { create: [], remove: [], append: [], insert: [] };

/**
 * Both families from one read each. ip6tables-save costs a few milliseconds, so it runs on every read
 * (it is how a leftover IPv6 forward stays visible); a host that cannot have IPv6 rules reads as having none.
 */
export async function readForwards(): Promise<TaggedForward[]> {
  return forwardsOf(await readSaved(false));
}

/** One container's forwards, pointing at its addresses. */
export interface ForwardRequest {
  host: string;
  project: string;
  container: string;
  targetIp: string;
  /** The container's IPv6 address; needed only when a port has `ipv6: true`. */
  targetIp6?: string;
  ports: ForwardParams[];
}

export async function setForwards(a: ForwardRequest): Promise<'done' | 'adopted'> {
  assertName('host', a.host);
  assertForwardInput(a);
  const targets: PerFamily<string> = { ipv4: a.targetIp, ipv6: a.targetIp6 === undefined ? '' : canonicalIpv6('IPv6 target address', a.targetIp6) };
  const wantsIpv6 = a.ports.some((p) => p.ipv6);
  const changed = await applyChange(wantsIpv6, (saved) => {
    assertNoConflict(saved, a);
    const change = (family: Family): RuleChange => {
      const ports = a.ports.filter((p) => familyOf(p) === family);
      const own = diffRules(ownRules(saved[family], a), ports.flatMap((p) => portRules({ ...a, targetIp: targets[family] }, p)));
      // IPv4 keeps its chains and jumps whatever is asked (as it always has); IPv6 gets them with its first port.
      if (family === 'ipv6' && ports.length === 0) return { ...NO_CHANGE, remove: own.remove };
      const jumps = diffRules(
        saved[family].rules.filter((r) => r.comment === JUMP_TAG),
        jumpRules(),
      );
      return {
        create: missingChains(saved[family]),
        remove: [...own.remove, ...jumps.remove],
        append: own.add,
        insert: jumps.add,
      };
    };
    return { ipv4: change('ipv4'), ipv6: change('ipv6') };
  });
  // After the rules, so a refused change (a port conflict) leaves the kernel switches as they were.
  const switched = await enableForwarding({ ipv6: wantsIpv6 });
  return changed || switched ? 'done' : 'adopted';
}

export async function removeForwards(a: { host: string; project: string; container: string }): Promise<'done' | 'adopted'> {
  assertName('host', a.host);
  assertName('project', a.project);
  assertName('container', a.container);
  const changed = await applyChange(false, (saved) => ({
    ipv4: { ...NO_CHANGE, remove: ownRules(saved.ipv4, a) },
    ipv6: { ...NO_CHANGE, remove: ownRules(saved.ipv6, a) },
  }));
  return changed ? 'done' : 'adopted';
}

/** The rules of one container of one agent host (another agent on this kernel may have a namesake). */
function ownRules(saved: SavedRules, a: { host: string; project: string; container: string }) {
  return taggedWith(saved, ruleTag(a.project, a.container)).filter((r) => r.comment?.endsWith(`:${a.host}`));
}

export async function removeRulesTagged(prefix: string): Promise<void> {
  // An empty prefix would match every commented rule on the host, including other tools'.
  if (prefix.length === 0) throw new LockerError('HOST_PRECONDITION', 'refusing to remove rules by an empty tag prefix');
  await applyChange(false, (saved) => ({
    ipv4: { ...NO_CHANGE, remove: taggedWith(saved.ipv4, prefix) },
    ipv6: { ...NO_CHANGE, remove: taggedWith(saved.ipv6, prefix) },
  }));
}

function taggedWith(saved: SavedRules, prefix: string) {
  return saved.rules.filter((r) => r.comment?.startsWith(prefix));
}

/** Two containers forwarding one host port would race for it: the first rule wins and the second is silently dead. */
function assertNoConflict(saved: Saved, a: { host: string; project: string; container: string; ports: ForwardParams[] }): void {
  for (const f of forwardsOf(saved)) {
    if (f.host === a.host && f.project === a.project && f.container === a.container) continue;
    const clash = a.ports.find((p) => portsOverlap(p, f));
    if (clash) {
      const port = `${clash.hostPort}/${clash.protocol}${clash.ipv6 ? ' (IPv6)' : ''}`;
      throw new LockerError('PORT_IN_USE', `host port ${port} is already forwarded to ${f.project}:${f.container}`, {
        hint: `free it first (locker rmports in project ${f.project}) or pick another host port`,
      });
    }
  }
}

/** One read per family; IPv6 is required when the change writes IPv6 rules, optional otherwise. */
async function readSaved(requireIpv6: boolean): Promise<Saved> {
  const [ipv4, ipv6] = await Promise.all([saveRules('ipv4'), saveIpv6Rules()]);
  if ('unavailable' in ipv6 && requireIpv6) throw ipv6.unavailable;
  return { ipv4: parseSave(ipv4), ipv6: 'text' in ipv6 ? parseSave(ipv6.text) : emptySave() };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs one read-compute-write at a time in this process; true when rules had to change. Each family is
 * one restore, written only when it changes (IPv4 first), so IPv4-only use never runs ip6tables-restore.
 */
function applyChange(requireIpv6: boolean, compute: (saved: Saved) => Changes): Promise<boolean> {
  const next = queue.then(async () => {
    let changed = false;
    for (let attempt = 1; ; attempt++) {
      const changes = compute(await readSaved(requireIpv6));
      try {
        for (const family of FAMILIES) {
          const change = changes[family];
          if (change === undefined || isEmptyChange(change)) continue;
          await restoreRules(family, renderRestore(change));
          changed = true;
        }
        return changed;
      } catch (e) {
        if (attempt >= ATTEMPTS || !(e instanceof LockerError) || !e.retryable) throw e;
      }
    }
  });
  queue = next.catch(() => undefined);
  return next;
}
