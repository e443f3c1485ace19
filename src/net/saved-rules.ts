// Reads `iptables-save` (and `ip6tables-save`) text into rules with the fields Locker cares about, keeping each line verbatim.
// Pure: the verbatim line is what a later `-D` must repeat, so nothing here rewrites it.

export type Table = 'nat' | 'filter' | (string & {});

/** The parts of a rule Locker writes; anything else lands in `other`, which makes a rule not ours. */
export interface RuleFields {
  source?: string;
  destination?: string;
  protocol?: string;
  dport?: number;
  dstType?: string;
  comment?: string;
  jump?: string;
  toDestination?: string;
  /** Module names from `-m`, in order. */
  modules: string[];
  /** Tokens this parser does not model (negations, interfaces, other matches), verbatim. */
  other: string[];
}

export interface SavedRule extends RuleFields {
  table: Table;
  chain: string;
  /** The line as iptables-save printed it, starting with `-A CHAIN`. */
  line: string;
}

export interface SavedRules {
  /** Chains that exist, per table (built-in and user-defined). */
  chains: Map<Table, Set<string>>;
  rules: SavedRule[];
}

/** Splits a save line the way iptables-restore does: whitespace, double quotes, backslash escapes inside quotes. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) current += line[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (c === ' ' || c === '\t') {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** `10.0.3.5` and `10.0.3.5/32` (`fd42::5` and `fd42::5/128`) are the same address to iptables; keep one spelling. */
export function normalizeAddress(address: string): string {
  if (address.includes('/')) return address;
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

/** The address of a single-host mask, as it was written before normalizeAddress. */
export function hostAddress(address: string): string {
  return address.replace(address.includes(':') ? /\/128$/ : /\/32$/, '');
}

/** A save with no tables: what a host without IPv6 rules (or without ip6tables) has. */
export function emptySave(): SavedRules {
  return { chains: new Map(), rules: [] };
}

type ScalarField = Exclude<keyof RuleFields, 'modules' | 'other' | 'dport'>;

const TEXT_FLAGS: Record<string, ScalarField> = {
  '-s': 'source',
  '--source': 'source',
  '-d': 'destination',
  '--destination': 'destination',
  '-p': 'protocol',
  '--protocol': 'protocol',
  '--dst-type': 'dstType',
  '--comment': 'comment',
  '-j': 'jump',
  '--jump': 'jump',
  '--to-destination': 'toDestination',
};

/** The fields of a rule's arguments (everything after `-A CHAIN`). */
export function parseRuleArgs(tokens: string[]): RuleFields {
  const fields: RuleFields = { modules: [], other: [] };
  let negated = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const value = tokens[i + 1];
    const field = TEXT_FLAGS[token];
    if (token === '!') {
      // A negated match is never one of Locker's: keep `! FLAG VALUE` verbatim so the rule compares unequal.
      fields.other.push(token);
      negated = true;
      continue;
    }
    if (negated || value === undefined) {
      fields.other.push(token);
    } else if (token === '-m' || token === '--match') {
      fields.modules.push(value);
      i++;
    } else if ((token === '--dport' || token === '--destination-port') && /^[0-9]+$/.test(value)) {
      fields.dport = Number(value);
      i++;
    } else if (field === 'source' || field === 'destination') {
      fields[field] = normalizeAddress(value);
      i++;
    } else if (field !== undefined) {
      fields[field] = value;
      i++;
    } else {
      // Unknown flags and their values (ranges, interfaces, marks) stay as they are.
      fields.other.push(token);
    }
    negated = false;
  }
  return fields;
}

/** Every rule of every table in `iptables-save` output. Lines it does not know (comments, COMMIT) are skipped. */
export function parseSave(text: string): SavedRules {
  const chains = new Map<Table, Set<string>>();
  const rules: SavedRule[] = [];
  let table: Table | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = line.slice(1);
      if (!chains.has(table)) chains.set(table, new Set());
    } else if (table !== undefined && line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0];
      if (name) chains.get(table)?.add(name);
    } else if (table !== undefined && line.startsWith('-A ')) {
      const [, chain, ...args] = tokenize(line);
      if (chain === undefined) continue;
      rules.push({ table, chain, line, ...parseRuleArgs(args) });
    }
  }
  return { chains, rules };
}
