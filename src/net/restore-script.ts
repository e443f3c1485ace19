// Builds one `iptables-restore --noflush` script from the rules to delete and to add.
// Pure. It never declares a chain with `:NAME - [0:0]`: under --noflush that empties an existing chain.

import { CHAINS, renderArgs, ruleKey, type WantedRule } from './forward-rules.js';
import type { SavedRule, SavedRules, Table } from './saved-rules.js';

export interface RuleChange {
  /** Chains to create (`-N`); a chain that appeared meanwhile makes the whole script fail, not flush. */
  create: { table: Table; chain: string }[];
  /** Saved rules to delete, by their exact saved text. */
  remove: SavedRule[];
  /** Rules to append to a Locker chain. */
  append: WantedRule[];
  /** Jumps to put first in their built-in chain, so an earlier DROP or foreign DNAT cannot shadow them. */
  insert: WantedRule[];
}

export function isEmptyChange(c: RuleChange): boolean {
  return c.create.length + c.remove.length + c.append.length + c.insert.length === 0;
}

/** Locker chains that do not exist yet. */
export function missingChains(saved: SavedRules): RuleChange['create'] {
  return Object.values(CHAINS)
    .filter(({ table, chain }) => !saved.chains.get(table)?.has(chain))
    .map(({ table, chain }) => ({ table, chain }));
}

/**
 * Minimal change from `current` to `wanted`: a rule already there (same fields) is kept, extra copies are
 * removed, missing ones are added. Keeping rules untouched keeps their counters and open connections.
 */
export function diffRules(current: SavedRule[], wanted: WantedRule[]): { remove: SavedRule[]; add: WantedRule[] } {
  const pool = new Map<string, SavedRule[]>();
  for (const r of current) pool.set(ruleKey(r), [...(pool.get(ruleKey(r)) ?? []), r]);
  const add: WantedRule[] = [];
  for (const w of wanted) {
    const match = pool.get(ruleKey(w));
    if (match && match.length > 0) match.shift();
    else add.push(w);
  }
  return { remove: [...pool.values()].flat(), add };
}

/** The script text: per table, creations first, then deletions, then additions. Empty string for no change. */
export function renderRestore(change: RuleChange): string {
  const tables = new Map<Table, string[]>();
  const lines = (t: Table) => tables.get(t) ?? tables.set(t, []).get(t)!;
  for (const c of change.create) lines(c.table).push(`-N ${c.chain}`);
  for (const r of change.remove) lines(r.table).push(r.line.replace(/^-A /, '-D '));
  for (const r of change.insert) lines(r.table).push(`-I ${r.chain} 1 ${renderArgs(r)}`);
  for (const r of change.append) lines(r.table).push(`-A ${r.chain} ${renderArgs(r)}`);
  let script = '';
  for (const [table, body] of tables) script += `*${table}\n${body.join('\n')}\nCOMMIT\n`;
  return script;
}
