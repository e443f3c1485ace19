// Uid/gid maps of unprivileged containers: Locker's block of subordinate ids, its slots, the config lines.
// Pure text and numbers; src/lxc/idmap-ranges.ts does the host side (subuid files, claims).

/** First id of Locker's block: above useradd's automatic subordinate ranges (SUB_UID_MAX 600100000). */
export const LOCKER_IDS_FIRST = 1_000_000_000;
/** Ids per container: uids 0..65535 inside, as LXC's own examples and the templates expect. */
export const RANGE_SIZE = 65536;
/** Slots in Locker's block: 1024 ranges of 65536 ids, up to 1 067 108 864 (below 2^31). */
export const RANGE_SLOTS = 1024;
export const LOCKER_IDS_COUNT = RANGE_SIZE * RANGE_SLOTS;
/** Locker's line in /etc/subuid and /etc/subgid: root owns the block, so no user gets these ids. */
export const SUBORDINATE_LINE = `root:${LOCKER_IDS_FIRST}:${LOCKER_IDS_COUNT}`;

export function slotBase(slot: number): number {
  return LOCKER_IDS_FIRST + slot * RANGE_SIZE;
}

/** The slot whose range starts at `base`, or undefined for a map Locker did not hand out. */
export function slotOf(base: number): number | undefined {
  const offset = base - LOCKER_IDS_FIRST;
  if (!Number.isInteger(offset) || offset < 0 || offset % RANGE_SIZE !== 0) return undefined;
  const slot = offset / RANGE_SIZE;
  return slot < RANGE_SLOTS ? slot : undefined;
}

/** The lowest free slot, or undefined when all are taken. */
export function pickSlot(taken: ReadonlySet<number>): number | undefined {
  for (let slot = 0; slot < RANGE_SLOTS; slot++) if (!taken.has(slot)) return slot;
  return undefined;
}

/** The config lines of a container whose root is `base` on the host (LXC writes them into its config). */
export function renderIdmap(base: number): string {
  return `lxc.idmap = u 0 ${base} ${RANGE_SIZE}\nlxc.idmap = g 0 ${base} ${RANGE_SIZE}\n`;
}

export interface ConfigIdmap {
  /** Host id of uid 0 inside. */
  uidBase: number;
  gidBase: number;
}

/**
 * The host ids of root inside, from a config's `lxc.idmap` lines (`u|g NSID HOSTID COUNT`); undefined
 * for a config without a uid map (a privileged container). Only the entries for id 0 count.
 */
export function parseIdmap(configText: string): ConfigIdmap | undefined {
  let uidBase: number | undefined;
  let gidBase: number | undefined;
  for (const raw of configText.split('\n')) {
    const m = /^\s*lxc\.idmap\s*=\s*([ug])\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(raw);
    if (m === null || m[2] !== '0') continue;
    if (m[1] === 'u') uidBase = Number(m[3]);
    else gidBase = Number(m[3]);
  }
  if (uidBase === undefined) return undefined;
  return { uidBase, gidBase: gidBase ?? uidBase };
}

export interface SubordinateLine {
  owner: string;
  first: number;
  count: number;
  text: string;
}

export function parseSubordinateFile(text: string): SubordinateLine[] {
  const lines: SubordinateLine[] = [];
  for (const raw of text.split('\n')) {
    const m = /^([^:#\s]+):(\d+):(\d+)$/.exec(raw.trim());
    if (m !== null) lines.push({ owner: m[1]!, first: Number(m[2]), count: Number(m[3]), text: raw.trim() });
  }
  return lines;
}

/**
 * What /etc/subuid (or /etc/subgid) needs for Locker's block: nothing when its line is there, the line
 * to append when no range overlaps the block, or the line that takes part of it (a conflict to refuse).
 */
export function subordinateChange(text: string): { kind: 'present' } | { kind: 'append' } | { kind: 'conflict'; line: string } {
  const lines = parseSubordinateFile(text);
  if (lines.some((l) => l.text === SUBORDINATE_LINE)) return { kind: 'present' };
  const end = LOCKER_IDS_FIRST + LOCKER_IDS_COUNT;
  const clash = lines.find((l) => l.first < end && l.first + l.count > LOCKER_IDS_FIRST);
  return clash === undefined ? { kind: 'append' } : { kind: 'conflict', line: clash.text };
}
