// The block Locker owns in a container's /etc/resolv.conf for `dns:`: rendered, read back, and replaced
// with everything outside it kept. Pure text in, text out.

import { parseResolvNameservers } from '../rules/nameservers.js';

export const DNS_BEGIN = '# locker:dns:begin';
export const DNS_END = '# locker:dns:end';

/** The nameservers of Locker's block, or undefined when the file has none. */
export function parseDnsBlock(text: string): string[] | undefined {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.trim() === DNS_BEGIN);
  if (begin === -1) return undefined;
  const end = lines.findIndex((l, i) => i > begin && l.trim() === DNS_END);
  return parseResolvNameservers(lines.slice(begin + 1, end === -1 ? undefined : end).join('\n'));
}

/**
 * The file with Locker's block replaced by these nameservers (none: the block removed). The block goes
 * first: the resolver asks nameservers in the order they are listed.
 */
export function renderResolvConf(text: string, nameservers: readonly string[]): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.trim() === DNS_BEGIN);
  let rest = lines;
  if (begin !== -1) {
    const end = lines.findIndex((l, i) => i > begin && l.trim() === DNS_END);
    rest = [...lines.slice(0, begin), ...(end === -1 ? [] : lines.slice(end + 1))];
  }
  const kept = rest.join('\n');
  if (nameservers.length === 0) return kept;
  const block = [DNS_BEGIN, ...nameservers.map((n) => `nameserver ${n}`), DNS_END].join('\n') + '\n';
  return block + kept;
}
