// Run ids sort by time and stay unique across control points: `r20261122-183310-1a2b`.

import { randomBytes } from 'node:crypto';

export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-22T18:33:10.123Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  return `r${stamp}-${randomBytes(2).toString('hex')}`;
}
