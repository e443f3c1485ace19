// DNS names: what the hostname hook writes into a container (fqdn) and what links put in /etc/hosts.

import { bad, ok, type Checked } from './checked.js';

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const DNS_NAME_RULE =
  'a DNS name is dot-separated labels of letters, digits and "-" (1-63 each, not starting or ending with "-"), at most 253 characters, no trailing dot';

/** Dot-separated labels, 253 characters at most, no trailing dot; either case. */
export function isDnsName(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return false;
  return value.split('.').every((label) => LABEL.test(label));
}

/** A valid DNS name, lowercased (DNS is case-insensitive; one spelling keeps plans stable). */
export function normaliseFqdn(text: string): Checked<string> {
  const name = text.toLowerCase();
  if (name.length === 0 || name.length > 253) return bad(`invalid fqdn "${text}": length must be 1-253`, DNS_NAME_RULE);
  const badLabel = name.split('.').find((label) => !LABEL.test(label));
  if (badLabel !== undefined) {
    const which = badLabel === '' ? 'an empty label' : `label "${badLabel}"`;
    return bad(`invalid fqdn "${text}": ${which}`, DNS_NAME_RULE);
  }
  return ok(name);
}
