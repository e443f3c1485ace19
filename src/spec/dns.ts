// `dns:` of one container (or of `defaults`): nameserver addresses and the placeholders `$bridge` and
// `$copy`, each checked where it is written. The placeholders are resolved by the planner, on the host.
import { describeBadNameservers, MAX_NAMESERVERS, NAMESERVER_RULE, parseDnsEntry } from '../rules/nameservers.js';
import { specError, unwrap, type Segment } from './spec-error.js';
import type { DnsSpec } from './types.js';
import type { YamlSource } from './yaml-source.js';

export function buildDns(entries: readonly string[], at: readonly Segment[], src: YamlSource): DnsSpec[] {
  const built: DnsSpec[] = [];
  entries.forEach((raw, i) => {
    const ref = src.at([...at, i]);
    const entry = unwrap(parseDnsEntry(raw), ref);
    const value = 'address' in entry ? entry.address : entry.placeholder;
    const twin = built.find((b) => b.value === value);
    if (twin !== undefined) throw specError(`dns lists ${value} twice (first at ${twin.ref.path})`, ref, 'list each nameserver once');
    built.push({ value, ref });
  });
  const literal = built.filter((b) => !b.value.startsWith('$')).map((b) => b.value);
  if (literal.length > MAX_NAMESERVERS) {
    throw specError(describeBadNameservers(literal)!, built[MAX_NAMESERVERS]!.ref, `the resolver ignores all but the first ${MAX_NAMESERVERS}: list at most ${MAX_NAMESERVERS} (${NAMESERVER_RULE})`);
  }
  return built;
}
