// The block Locker owns in a container's /etc/hosts for its links: how its lines are written and read.
// Pure; the hook script and the live update write the same lines, observe reads them back.

import type { LinkEntry } from '../../plans/types.js';

export const LINKS_BEGIN = '# locker:links:begin';
export const LINKS_END = '# locker:links:end';

/** The data file the hook copies into the block: one `IP NAME...` line per entry. */
export function renderLinkLines(entries: readonly LinkEntry[]): string {
  return entries.map((e) => `${e.ip} ${e.names.join(' ')}\n`).join('');
}

/** Lines of a data file or of the block, whitespace normalised; blank lines dropped. */
export function normaliseLinkLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '))
    .filter((l) => l !== '');
}

/** The block's lines, or an empty list when /etc/hosts has no block (the links are then missing). */
export function parseLinksBlock(hostsText: string): string[] {
  const lines = hostsText.split('\n');
  const begin = lines.findIndex((l) => l.startsWith(LINKS_BEGIN));
  if (begin === -1) return [];
  const end = lines.findIndex((l, i) => i > begin && l.startsWith(LINKS_END));
  return normaliseLinkLines(lines.slice(begin + 1, end === -1 ? undefined : end).join('\n'));
}
