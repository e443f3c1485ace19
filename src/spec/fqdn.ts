// Fully qualified domain names: what the hostname hook writes into the container.
import { bad, ok, type Checked } from './spec-error.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A valid DNS name, lowercased (DNS is case-insensitive; one spelling keeps plans stable). */
export function normaliseFqdn(text: string): Checked<string> {
  const name = text.toLowerCase();
  const hint = 'a DNS name is dot-separated labels of letters, digits and "-" (1-63 each, not starting or ending with "-"), at most 253 characters, no trailing dot';
  if (name.length === 0 || name.length > 253) return bad(`invalid fqdn "${text}": length must be 1-253`, hint);
  const badLabel = name.split('.').find((label) => !LABEL.test(label));
  if (badLabel !== undefined) {
    const which = badLabel === '' ? 'an empty label' : `label "${badLabel}"`;
    return bad(`invalid fqdn "${text}": ${which}`, hint);
  }
  return ok(name);
}
