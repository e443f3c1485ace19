// What agents remember having run: their journals (`LXCPATH/.locker-agent/jobs.jsonl`), read line by
// line by a test to show that a job was carried out once, whatever the faults around it.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { JOURNAL_FILE, type JournalEntry } from '../../agents/job-journal.js';

/** Every complete line of the journal, duplicates included (the agent's own reader keeps one per job). */
export function journalEntries(lxcpath: string): JournalEntry[] {
  const file = path.join(lxcpath, '.locker-agent', JOURNAL_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as JournalEntry);
}

/** Actions of `runId` the journal holds more than once: run twice, under one attempt or several. */
export function journaledTwice(entries: readonly JournalEntry[], runId: string): string[] {
  const counts = new Map<string, number>();
  for (const e of entries) if (e.runId === runId) counts.set(e.actionId, (counts.get(e.actionId) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}
